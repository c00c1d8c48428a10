"""Reusable widgets: they receive plain data and post messages; none of them knows SQL."""
