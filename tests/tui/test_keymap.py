"""The registry of actions is the one source of the keys: bindings, palette, help, README."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.command import Command, CommandList, CommandPalette

import tui
from tests.tui.scenes import running, settle
from tui.keymap import ACTIONS, BY_ID, SCOPES, markdown_table
from tui.keymap.actions import Group, KeyAction

README = Path(__file__).parents[2] / "README.md"


def _scope_classes() -> dict[str, type[Any]]:
    from tui.app import DbBrowseApp
    from tui.screens.browse import BrowseScreen
    from tui.screens.cell_detail import CellDetailScreen
    from tui.screens.completion import CompletionScreen
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.conflict import ConflictScreen
    from tui.screens.copy_menu import CopyScreen
    from tui.screens.edit_cell import CellEditorScreen
    from tui.screens.error import ErrorDialog, ErrorScreen
    from tui.screens.export_dialog import ExportScreen
    from tui.screens.filter import FilterScreen
    from tui.screens.help import HelpScreen
    from tui.screens.history import HistoryScreen
    from tui.screens.past_browse import PastBrowseScreen
    from tui.screens.pending import PendingScreen
    from tui.screens.plan import PlanScreen
    from tui.screens.prompt import PromptScreen
    from tui.screens.recent import RecentScreen
    from tui.screens.references import ReferencesScreen
    from tui.screens.row_diff import RowDiffScreen
    from tui.screens.row_form import RowFormScreen
    from tui.screens.status import StatusScreen
    from tui.screens.wal_history import WalHistoryScreen
    from tui.widgets.line_list import LineList
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.sql_editor import SqlEditor
    from tui.widgets.table_list import TableList
    from tui.widgets.value_view import ValueView

    return {
        "app": DbBrowseApp,
        "browse": BrowseScreen,
        "grid": RowGrid,
        "tables": TableList,
        "console": SqlEditor,
        "cell": CellDetailScreen,
        "value": ValueView,
        "edit_cell": CellEditorScreen,
        "row_form": RowFormScreen,
        "pending": PendingScreen,
        "conflict": ConflictScreen,
        "confirm": ConfirmScreen,
        "copy": CopyScreen,
        "history": HistoryScreen,
        "prompt": PromptScreen,
        "filter": FilterScreen,
        "export": ExportScreen,
        "completion": CompletionScreen,
        "plan": PlanScreen,
        "error": ErrorScreen,
        "error_dialog": ErrorDialog,
        "status": StatusScreen,
        "wal_history": WalHistoryScreen,
        "lines": LineList,
        "past": PastBrowseScreen,
        "diff": RowDiffScreen,
        "recent": RecentScreen,
        "help": HelpScreen,
        "references": ReferencesScreen,
    }


def _classes_with_bindings() -> dict[type[Any], list[Binding]]:
    """Every class of the ``tui`` package that declares BINDINGS of its own."""
    found: dict[type[Any], list[Binding]] = {}
    for module_info in pkgutil.walk_packages(tui.__path__, "tui."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in vars(cls):
                found[cls] = [b for b in vars(cls)["BINDINGS"] if isinstance(b, Binding)]
    return found


def test_every_binding_is_a_registry_entry_and_every_entry_is_bound() -> None:
    """A binding added, changed or removed without its registry entry fails here."""
    scopes = _scope_classes()
    assert set(scopes) == set(SCOPES)
    owner = {cls: scope for scope, cls in scopes.items()}
    bound: set[tuple[str, str]] = set()
    for cls, bindings in _classes_with_bindings().items():
        if not bindings:
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        scope = owner.get(cls)
        assert scope is not None, (
            f"{where} binds keys but is no scope of the registry: add it to SCOPES "
            "(tui/keymap/actions.py) and its actions to tui/keymap/registry.py"
        )
        for binding in bindings:
            action = BY_ID.get(binding.id or "")
            assert action is not None, (
                f"{where}: {binding.key!r} → {binding.action} (id {binding.id!r}) has no entry "
                "in tui/keymap/registry.py: add one (keys, words, one line of explanation)"
            )
            assert scope in action.scopes, f"{action.id} is bound in {scope}: {action.scopes}"
            listed = (action.keys, action.action, action.description, action.show, action.priority)
            code = (
                binding.key,
                binding.action,
                binding.description,
                binding.show,
                binding.priority,
            )
            assert code == listed, f"{action.id}: the registry says {listed}, the code {code}"
            bound.add((action.id, scope))
    listed_ids = {(a.id, s) for a in ACTIONS if a.keys and not a.builtin for s in a.scopes}
    assert listed_ids - bound == set(), "listed in the registry but bound nowhere"


def test_every_action_has_a_stable_unique_id_words_and_an_explanation() -> None:
    ids = [a.id for a in ACTIONS]
    assert len(ids) == len(set(ids))
    for action in ACTIONS:
        assert re.fullmatch(r"[a-z_]+\.[a-z_-]+", action.id), action.id
        assert action.explanation and action.description
        assert isinstance(action.group, Group)
    # The words people search for reach the actions they mean.
    for word, wanted in {
        "wal": "browse.status",
        "checkpoint": "browse.status",
        "pragma": "browse.status",
        "vacuum": "browse.status",
        "journal": "browse.status",
        "sql": "browse.console",
        "query": "browse.console",
        "export": "browse.export",
        "copy": "browse.copy",
        "edit": "browse.edit_cell",
        "insert": "browse.insert_row",
        "delete": "browse.delete_rows",
        "save": "browse.save",
        "filter": "browse.filter",
        "sort": "browse.sort",
    }.items():
        browse = [a for a in ACTIONS if "browse" in a.scopes or "grid" in a.scopes]
        best = max(browse, key=lambda a, w=word: a.matches(w))  # type: ignore[misc]
        assert best.id == wanted, word
        assert [a.id for a in browse if a.matches(word) == best.matches(word)] == [wanted]


def test_a_scope_or_key_action_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown scope"):
        KeyAction("nowhere.x", "x", "x", "X", "x", Group.APP)


def test_the_readme_key_table_is_the_registry_s() -> None:
    from tui.keymap.__main__ import with_table

    text = README.read_text(encoding="utf-8")
    assert with_table(text, markdown_table()) == text, (
        "README key table is out of date: `python -m tui.keymap --update README.md`"
    )
    # And the check can fail: a registry one entry shorter is another table.
    assert with_table(text, markdown_table(ACTIONS[1:])) != text


async def _palette_hits(pilot: Any, query: str) -> list[str]:
    """The palette's hits for ``query`` typed on the browse screen, best first."""
    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    await pilot.press(*query)
    await settle(pilot)
    options = palette.query_one(CommandList)
    hits = [options.get_option_at_index(i) for i in range(options.option_count)]
    return [str(h.hit.text) for h in hits if isinstance(h, Command)]


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("wal", "SQLite status"),
        ("sql", "SQL"),
        ("export", "Export"),
        ("copy", "Copy"),
        ("edit", "Edit cell"),
        ("checkpoint", "SQLite status"),
        ("order by", "Sort"),
    ],
)
async def test_the_palette_finds_one_entry_per_action_by_its_words(
    odd_db: Path, query: str, entry: str
) -> None:
    async with running(odd_db) as (_app, pilot, _screen, _grid, _status):
        hits = await _palette_hits(pilot, query)
        assert hits, f"nothing found for {query!r}"
        assert hits[0] == entry, hits
        assert hits.count(entry) == 1, hits


async def test_the_palette_lists_each_action_once_and_runs_the_chosen_one(odd_db: Path) -> None:
    from tui.screens.status import StatusScreen

    async with running(odd_db) as (app, pilot, _screen, _grid, _status):
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        options = palette.query_one(CommandList)
        hits = [options.get_option_at_index(i) for i in range(options.option_count)]
        listed = [str(h.hit.text) for h in hits if isinstance(h, Command)]
        assert "Quit" in listed and "SQLite status" in listed and "Change theme" in listed
        assert len(listed) == len(set(listed)), listed
        await pilot.press(*"wal", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("vacuum", "VACUUM (status screen)"),
        ("checkpoint", "Ckpt truncate (status screen)"),
        ("integrity", "Integrity (status screen)"),
    ],
)
async def test_the_status_screen_s_actions_are_found_from_the_grid(
    odd_db: Path, query: str, entry: str
) -> None:
    """Typed in the palette over the grid: listed, with the keys that reach them."""
    async with running(odd_db) as (_app, pilot, _screen, grid, _status):
        assert grid.has_focus
        hits = await _palette_hits(pilot, query)
        assert entry in hits, hits
        assert hits.count(entry) == 1, hits
        if query == "checkpoint":
            assert hits[0] == "SQLite status", hits  # the screen itself, first


async def test_a_status_action_chosen_from_the_grid_opens_the_screen_and_asks_first(
    odd_db: Path,
) -> None:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.status import StatusScreen

    async with running(odd_db) as (app, pilot, _screen, _grid, _status):
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"vacuum")
        await settle(pilot)
        options = palette.query_one(CommandList)
        hits = [options.get_option_at_index(i) for i in range(options.option_count)]
        found = [
            (i, h)
            for i, h in enumerate(hits)
            if isinstance(h, Command) and "VACUUM" in str(h.hit.text)
        ]
        assert found and "w then V" in str(found[0][1].hit.help), found
        while options.highlighted != found[0][0]:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen), (
            app.screen_stack,
            str(app.screen.query_one("#action-result").render()),
        )
        assert "VACUUM" in str(app.screen.query_one("Label").render()).upper()
        await pilot.press("escape")  # no: nothing runs, the status screen stays
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("time travel", "Browse as of commit (WAL history)"),
        ("as of", "Browse as of commit (WAL history)"),
        ("browse as", "Browse as of commit (WAL history)"),
        ("changes since", "WAL history (status screen)"),
        ("history", "WAL history (status screen)"),
    ],
)
async def test_time_travel_is_found_from_the_grid(tmp_path: Path, query: str, entry: str) -> None:
    """The history and as-of actions, typed in the palette over the grid of a WAL database
    (hostile 13-12, F9)."""
    from tests.tui.db.walhelpers import wal_connection

    db = tmp_path / "w.db"
    con = wal_connection(db)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    try:
        async with running(db) as (_app, pilot, _screen, grid, _status):
            assert grid.has_focus
            hits = await _palette_hits(pilot, query)
            assert entry in hits, hits
    finally:
        con.close()


async def test_browse_as_of_chosen_from_the_grid_opens_the_history(tmp_path: Path) -> None:
    from tests.tui.db.walhelpers import wal_connection
    from tui.screens.wal_history import WalHistoryScreen

    db = tmp_path / "w.db"
    con = wal_connection(db)
    con.execute("CREATE TABLE t (x)")
    try:
        async with running(db) as (app, pilot, *_):
            await pilot.press("ctrl+p")
            await settle(pilot)
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            await pilot.press(*"time travel")
            await settle(pilot)
            options = palette.query_one(CommandList)
            hits = [options.get_option_at_index(i) for i in range(options.option_count)]
            found = [
                (i, h)
                for i, h in enumerate(hits)
                if isinstance(h, Command) and "Browse as of commit" in str(h.hit.text)
            ]
            assert found and "w then h then b" in str(found[0][1].hit.help), found
            while options.highlighted != found[0][0]:
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, WalHistoryScreen), app.screen_stack
    finally:
        con.close()
