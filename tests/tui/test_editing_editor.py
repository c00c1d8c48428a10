"""The cell editor on its own: each kind of field, NULL apart from '', parse errors, escapes.

The editor takes plain data and a parse function; here the parse functions are the test's
own (the data layer's parsing is tested in tests/tui/db).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, Static, TextArea

from tui.screens.edit_cell import CellEditorScreen, EditedValue, EditorSpec
from tui.text.edit_text import BadEscapeError, decode, encode, needs_escaped_form

NO_ANSWER = object()


class EditorApp(App[None]):
    """Opens one editor and keeps its answer."""

    def __init__(self, spec: EditorSpec, parse: Any = str, parse_as: Any = None) -> None:
        super().__init__()
        self.spec = spec
        self.parse = parse
        self.parse_as = parse_as
        self.answer: object = NO_ANSWER

    def compose(self) -> ComposeResult:
        yield Static("under the editor")

    def on_mount(self) -> None:
        self.push_screen(CellEditorScreen(self.spec, self.parse, self.parse_as), self._answered)

    def _answered(self, answer: EditedValue | None) -> None:
        self.answer = answer


def spec(kind: str = "TEXT", value: Any = "abc", text: str | None = None, **kw: Any) -> EditorSpec:
    shown = text if text is not None else ("" if value is None else str(value))
    return EditorSpec("people", "name", "TEXT", kind, value, shown, **kw)


@asynccontextmanager
async def editor(
    shown: EditorSpec, parse: Any = str, parse_as: Any = None
) -> AsyncIterator[tuple[EditorApp, Pilot[None]]]:
    """The editor open on ``shown``; its answer is in ``app.answer`` once the block ends."""
    app = EditorApp(shown, parse, parse_as)
    async with app.run_test() as pilot:
        yield app, pilot


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    await pilot.press(*pressed)
    await pilot.pause()


async def answer(
    shown: EditorSpec, *pressed: str, parse: Any = str, typed: str | None = None
) -> object:
    """What the editor on ``shown`` answers after its field is set to ``typed`` (when given)
    and ``pressed`` are pressed."""
    async with editor(shown, parse) as (app, pilot):
        if typed is not None:
            field = app.screen.query_one("#editor")
            if isinstance(field, TextArea):
                field.load_text(typed)
            else:
                field.value = typed  # type: ignore[attr-defined]
        await keys(pilot, *pressed)
    return app.answer


def error_of(app: App[None]) -> str:
    """What the open editor's error line says."""
    return str(app.screen.query_one("#editor-error", Label).render())


def to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an integer") from None


async def test_text_is_edited_and_staged_with_enter() -> None:
    async with editor(spec(value="Ada")) as (app, pilot):
        editor_field = app.screen.query_one("#editor", Input)
        assert editor_field.value == "Ada"
        editor_field.value = ""
        await keys(pilot, *"Bob", "enter")
    assert app.answer == EditedValue("Bob")


async def test_empty_text_is_not_null() -> None:
    assert await answer(spec(value="Ada"), "enter", typed="") == EditedValue("")


async def test_ctrl_n_sets_null() -> None:
    assert await answer(spec(value="Ada"), "ctrl+n") == EditedValue(None)


async def test_not_null_column_refuses_null_and_stays_open() -> None:
    async with editor(spec(value="Ada", nullable=False)) as (app, pilot):
        await keys(pilot, "ctrl+n")
        assert isinstance(app.screen, CellEditorScreen)
        assert "NOT NULL" in error_of(app)
    assert app.answer is NO_ANSWER


async def test_escape_cancels() -> None:
    assert await answer(spec(value="Ada"), "x", "escape") is None


async def test_parse_error_is_shown_and_nothing_is_answered() -> None:
    async with editor(spec("INTEGER", value=7), parse=to_int) as (app, pilot):
        await keys(pilot, "x", "enter")
        assert isinstance(app.screen, CellEditorScreen)
        assert app.screen.query_one("#editor-error", Label).has_class("-shown")
        assert "'7x' is not an integer" in error_of(app)
        await keys(pilot, "backspace", "1", "enter")
    assert app.answer == EditedValue(71)


async def test_ctrl_u_then_typing_replaces_the_text() -> None:
    """ctrl+u clears what is left of the cursor; what is typed next is kept. (Pilot delivers
    keys one at a time. In a real terminal, keys that arrive in the same read as ctrl+u are
    lost: Textual 8.2.8 runs an Input's own bindings only once the key has bubbled up to the
    App, after the Input has already inserted the keys queued behind it, which ctrl+u then
    deletes. A bare Textual Input does the same.)"""
    assert await answer(spec(value="Ada"), "end", "ctrl+u", *"xyz", "enter") == EditedValue("xyz")


async def test_json_is_edited_in_a_text_area() -> None:
    async with editor(spec("JSON", value='{"a": 1}', text='{\n  "a": 1\n}')) as (app, pilot):
        area = app.screen.query_one("#editor", TextArea)
        assert area.text == '{\n  "a": 1\n}'
        area.load_text('{"a": [1, 2]}')
        await keys(pilot, "ctrl+s")
    assert app.answer == EditedValue('{"a": [1, 2]}')


async def test_boolean_is_a_choice_of_true_and_false() -> None:
    shown = spec("BOOLEAN", value=1, text="1")
    async with editor(shown, parse=lambda t: int(t == "true")) as (app, pilot):
        select = app.screen.query_one("#editor", Select)
        assert select.value == "true"
        select.value = "false"
        await keys(pilot, "ctrl+s")
    assert app.answer == EditedValue(0)


async def test_choice_column_offers_its_choices() -> None:
    async with editor(spec("CHOICE", value="new", choices=("new", "paid", "[b]x[/b]"))) as (
        app,
        pilot,
    ):
        select = app.screen.query_one("#editor", Select)
        assert select.value == "new"
        select.value = "[b]x[/b]"
        await keys(pilot, "ctrl+s")
    assert app.answer == EditedValue("[b]x[/b]")


async def test_blob_is_replaced_from_a_file(tmp_path: Path) -> None:
    data = bytes(range(256))
    (tmp_path / "new.bin").write_bytes(data)
    async with editor(spec("BLOB", value=b"\x00old", text="")) as (app, pilot):
        field = app.screen.query_one("#editor", Input)
        assert field.value == ""  # never the bytes as text
        for name in ("missing.bin", "new.bin"):
            field.value = str(tmp_path / name)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            if name == "missing.bin":
                assert isinstance(app.screen, CellEditorScreen)
                assert "cannot read" in error_of(app)
    assert app.answer == EditedValue(data)


async def test_control_characters_are_edited_as_escapes() -> None:
    stored = "a\x1b[2Jb\u202ec\\d"
    async with editor(spec(value=stored)) as (app, pilot):
        field = app.screen.query_one("#editor", Input)
        assert "\x1b" not in field.value and "\u202e" not in field.value
        assert field.value == "a\\x1b[2Jb\\u202ec\\\\d"
        await keys(pilot, "end", "exclamation_mark", "enter")
    assert app.answer == EditedValue(stored + "!")


async def test_pasted_control_characters_switch_to_escapes() -> None:
    async with editor(spec(value="C:\\dir")) as (app, pilot):
        field = app.screen.query_one("#editor", Input)
        assert field.value == "C:\\dir"  # no control characters: edited as it is
        field.value = "C:\\dir\x07"
        await pilot.pause()
        assert field.value == "C:\\\\dir\\x07"
        await keys(pilot, "enter")
    assert app.answer == EditedValue("C:\\dir\x07")


async def test_a_lone_backslash_in_escaped_form_is_a_parse_error() -> None:
    async with editor(spec(value="\x00")) as (app, pilot):
        app.screen.query_one("#editor", Input).value = "\\q"
        await keys(pilot, "enter")
        assert isinstance(app.screen, CellEditorScreen)
        assert "starts no escape" in error_of(app)


@pytest.mark.parametrize(
    "text",
    ["", "plain", "back\\slash", "\x1b]0;x\x07", "\udcff\udc80", "\U0001f600\u200b", "a\nb\tc"],
)
@pytest.mark.parametrize("multiline", [False, True])
def test_escaped_form_round_trips(text: str, multiline: bool) -> None:
    encoded = encode(text, multiline=multiline)
    assert not needs_escaped_form(encoded, multiline=multiline)
    assert decode(encoded) == text


def test_decode_refuses_unknown_escapes() -> None:
    with pytest.raises(BadEscapeError):
        decode("\\q")


def test_tab_line_break_and_return_have_letter_escapes() -> None:
    assert decode("a\\tb\\nc\\rd\\\\t") == "a\tb\nc\rd\\t"
    assert encode("a\tb\nc\r", multiline=False) == "a\\tb\\nc\\r"
    assert encode("a\tb\nc", multiline=True) == "a\\tb\nc"


async def test_a_typed_tab_escape_is_a_tab() -> None:
    """In escaped form (the value holds ESC) \\t typed is a tab; the hint says so."""
    async with editor(spec(value="a\x1bb")) as (app, pilot):
        assert "\\t a tab" in str(app.screen.query_one("#editor-hint", Static).render())
        app.screen.query_one("#editor", Input).value = "a\\x1bb\\tc"
        await keys(pilot, "enter")
    assert app.answer == EditedValue("a\x1bb\tc")


async def test_long_text_column_short_value_is_a_line_and_ctrl_o_gives_lines() -> None:
    async with editor(spec("LONG_TEXT", value="a\x07b")) as (app, pilot):
        assert isinstance(app.screen.query_one("#editor"), Input)
        await keys(pilot, "ctrl+o")
        area = app.screen.query_one("#editor", TextArea)
        assert area.text == "a\\x07b"  # still escaped: BEL is not a line break
        area.load_text("a\\x07b\nsecond line")
        await keys(pilot, "ctrl+s")
    assert app.answer == EditedValue("a\x07b\nsecond line")


async def test_multi_line_text_opens_in_a_text_area() -> None:
    async with editor(spec("LONG_TEXT", value="one\ntwo")) as (app, pilot):
        assert app.screen.query_one("#editor", TextArea).text == "one\ntwo"
        app.screen.query_one("#editor", TextArea).load_text("one\ntwo\nthree")
        await keys(pilot, "ctrl+s")
    assert app.answer == EditedValue("one\ntwo\nthree")


async def test_null_left_empty_stays_null_and_ctrl_e_gives_the_empty_text() -> None:
    async with editor(spec(value=None)) as (app, pilot):
        assert "stays NULL" in app.screen.query_one("#editor", Input).placeholder
        await keys(pilot, "enter")
    assert app.answer == EditedValue(None)
    assert await answer(spec(value=None), "ctrl+e") == EditedValue("")


@pytest.mark.parametrize(
    ("kind", "value", "text", "parse"),
    [
        # A compact document shown pretty; staged untouched it must not become json.dumps'.
        ("JSON", '{"a":1,"a":2,"big":123456789012345678901234567890.5}', None, lambda t: t),
        # 'yes' in a BOOLEAN column is shown as the choice true: untouched, it stays 'yes'.
        ("BOOLEAN", "yes", "yes", lambda t: int(t == "true")),
        ("TEXT", "Ada", None, str),
    ],
)
async def test_staging_an_untouched_field_stages_nothing(
    kind: str, value: Any, text: str | None, parse: Any
) -> None:
    shown = '{\n  "a": 2,\n  "big": 1.2345678901234568e+29\n}' if kind == "JSON" else text
    assert await answer(spec(kind, value=value, text=shown), "ctrl+s", parse=parse) is None


def in_class(text: str, storage: str) -> Any:
    return to_int(text) if storage == "integer" else text


def line(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


CLASSES = ("auto", "integer", "text")


async def test_storage_class_is_named_changed_with_ctrl_t_and_what_is_stored_shown() -> None:
    async with editor(spec(value="1", classes=CLASSES, storage="text"), parse_as=in_class) as (
        app,
        pilot,
    ):
        shown = app.screen
        assert line(shown, "#editor-current") == "now: '1'  text"
        assert line(shown, "#editor-class").startswith("stored as: auto · integer · [text]")
        assert "nothing changed" in line(shown, "#editor-preview")
        await keys(pilot, "ctrl+t", "ctrl+t")  # text -> auto -> integer
        assert "[integer]" in line(shown, "#editor-class")
        assert line(shown, "#editor-preview") == "stores: 1  integer"
        # The same digits in another class are an edit, not "nothing typed".
        await keys(pilot, "enter")
    assert app.answer == EditedValue(1)


async def test_untouched_in_its_own_class_stages_nothing() -> None:
    shown = spec(value="1", classes=CLASSES, storage="text")
    async with editor(shown, parse_as=in_class) as (app, pilot):
        await keys(pilot, "ctrl+t", "ctrl+t", "ctrl+t", "enter")  # all the way round
    assert app.answer is None


async def test_a_null_left_empty_says_it_stays_null() -> None:
    async with editor(spec(value=None, classes=CLASSES), parse_as=in_class) as (app, pilot):
        assert "NULL stays NULL" in line(app.screen, "#editor-preview")
        await keys(pilot, "4")
        assert line(app.screen, "#editor-preview") == "stores: '4'  text"
        await keys(pilot, "enter")
    assert app.answer == EditedValue("4")  # auto here is the test's plain text


async def test_without_classes_there_is_no_class_line() -> None:
    async with editor(spec(value="1"), parse_as=in_class) as (app, _pilot):
        assert not app.screen.query("#editor-class")
        assert line(app.screen, "#editor-current") == "now: '1'  text"
