"""The engine-agnostic data layer of the TUI: catalog, paging, status. Never imports Textual."""
