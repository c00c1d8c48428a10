"""Terminal screenshots as PNG, drawn cell by cell with monospace fonts.

A Textual screenshot is Rich's SVG: one ``<text>`` per run of equally styled characters and
one ``<rect>`` per background, placed by terminal column and line. Rendered as SVG (by
cairosvg or a browser) the runs are set in whatever font is at hand, so a proportional
fallback or a wide CJK character pushes every later column out of line. Here the SVG is read
back into its grid of cells and each character is drawn in its own cell (two for a wide
one), so the columns line up whatever the glyphs: box drawing and block elements are drawn
as lines and rectangles, letters in DejaVu Sans Mono, symbols it lacks in DejaVu Sans, CJK
in Noto Sans CJK. ``make screenshots`` installs those fonts (Debian ``fonts-dejavu-core``,
``fonts-dejavu-extra``, ``fonts-noto-cjk``) when they are missing.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from rich.cells import cell_len

# Rich's export_svg grid: 20 px characters, 0.61 wide, lines 1.22 high.
SVG_CHAR_WIDTH = 12.2
SVG_LINE_HEIGHT = 24.4

# The PNG grid: whole pixels, so every column starts on the same pixel on every line.
CELL_W = 11
CELL_H = 22
FONT_SIZE = 18
MARGIN = 12
TITLE_H = 34
WINDOW = "#1e1e1e"
TITLE_FG = "#c5c8c6"


@dataclass
class Cell:
    char: str = " "
    fg: str = "#c5c8c6"
    bg: str | None = None
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    wide: bool = False  # the first of two cells; the second holds ""


@dataclass
class Screen:
    columns: int
    lines: int
    title: str
    cells: list[list[Cell]] = field(default_factory=list)

    def text(self) -> str:
        """The characters, line by line (for tests and for looking)."""
        return "\n".join("".join(c.char for c in row).rstrip() for row in self.cells)


@dataclass(frozen=True)
class _Style:
    fg: str
    bold: bool
    italic: bool
    underline: bool
    strike: bool


_CSS = re.compile(r"\.([\w-]+) \{ ([^}]*) \}")
_CLIP = re.compile(
    r'<clipPath id="[\w-]*clip-terminal">\s*<rect [^>]*width="([\d.]+)"'
    r' height="([\d.]+)"'
)
_RECT = re.compile(
    r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
    r'height="[\d.]+" shape-rendering="crispEdges"/>'
)
_TEXT = re.compile(
    r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]*line-(\d+)\)">(.*?)</text>',
    re.DOTALL,
)
_TITLE = re.compile(r'<text class="[\w-]*-title"[^>]*>(.*?)</text>')


def _styles(svg: str) -> dict[str, _Style]:
    styles = {}
    for name, rules in _CSS.findall(svg):
        fill = re.search(r"fill: (#[0-9a-fA-F]{6})", rules)
        if fill is None:
            continue
        styles[name] = _Style(
            fill.group(1),
            "font-weight: bold" in rules,
            "font-style: italic" in rules,
            "underline" in rules,
            "line-through" in rules,
        )
    return styles


def parse_svg(svg: str) -> Screen:
    """The grid of cells of a Rich SVG terminal screenshot."""
    clip = _CLIP.search(svg)
    if clip is None:
        raise ValueError("not a Rich terminal SVG (no terminal clip path)")
    columns = round(float(clip.group(1)) / SVG_CHAR_WIDTH)
    lines = round(float(clip.group(2)) / SVG_LINE_HEIGHT)
    title = _TITLE.search(svg)
    screen = Screen(columns, lines, html.unescape(title.group(1)) if title else "")
    screen.cells = [[Cell() for _ in range(columns)] for _ in range(lines)]
    for fill, x, y, width in _RECT.findall(svg):
        row = round((float(y) - 1.5) / SVG_LINE_HEIGHT)
        first = round(float(x) / SVG_CHAR_WIDTH)
        for col in range(first, min(columns, first + round(float(width) / SVG_CHAR_WIDTH))):
            if 0 <= row < lines:
                screen.cells[row][col].bg = fill
    styles = _styles(svg)
    for name, x, line, content in _TEXT.findall(svg):
        row, col = int(line), round(float(x) / SVG_CHAR_WIDTH)
        style = styles.get(name, _Style("#c5c8c6", False, False, False, False))
        for char in html.unescape(content).replace("\xa0", " "):
            if char == "\n" or row >= lines:
                continue
            width = cell_len(char)
            if width == 0 or col + width > columns:
                col += width
                continue
            cell = screen.cells[row][col]
            cell.char, cell.fg, cell.wide = char, style.fg, width == 2
            cell.bold, cell.italic = style.bold, style.italic
            cell.underline, cell.strike = style.underline, style.strike
            if width == 2:
                screen.cells[row][col + 1].char = ""
            col += width
    return screen


# Box drawing as (up, down, left, right) weights: 1 light, 2 heavy, 3 double.
_BOX: dict[str, tuple[int, int, int, int]] = {
    "─": (0, 0, 1, 1), "━": (0, 0, 2, 2), "│": (1, 1, 0, 0), "┃": (2, 2, 0, 0),
    "┌": (0, 1, 0, 1), "┐": (0, 1, 1, 0), "└": (1, 0, 0, 1), "┘": (1, 0, 1, 0),
    "╭": (0, 1, 0, 1), "╮": (0, 1, 1, 0), "╰": (1, 0, 0, 1), "╯": (1, 0, 1, 0),
    "├": (1, 1, 0, 1), "┤": (1, 1, 1, 0), "┬": (0, 1, 1, 1), "┴": (1, 0, 1, 1),
    "┼": (1, 1, 1, 1), "┏": (0, 2, 0, 2), "┓": (0, 2, 2, 0), "┗": (2, 0, 0, 2),
    "┛": (2, 0, 2, 0), "┣": (2, 2, 0, 2), "┫": (2, 2, 2, 0), "┳": (0, 2, 2, 2),
    "┻": (2, 0, 2, 2), "╋": (2, 2, 2, 2), "═": (0, 0, 3, 3), "║": (3, 3, 0, 0),
    "╔": (0, 3, 0, 3), "╗": (0, 3, 3, 0), "╚": (3, 0, 0, 3), "╝": (3, 0, 3, 0),
    "╠": (3, 3, 0, 3), "╣": (3, 3, 3, 0), "╦": (0, 3, 3, 3), "╩": (3, 0, 3, 3),
    "╬": (3, 3, 3, 3), "╴": (0, 0, 1, 0), "╶": (0, 0, 0, 1), "╵": (1, 0, 0, 0),
    "╷": (0, 1, 0, 0), "╸": (0, 0, 2, 0), "╺": (0, 0, 0, 2), "╹": (2, 0, 0, 0),
    "╻": (0, 2, 0, 0),
}  # fmt: skip


def _block(char: str) -> tuple[float, float, float, float] | None:
    """Block elements as the part of the cell they fill: (left, top, right, bottom)."""
    code = ord(char)
    if 0x2581 <= code <= 0x2588:  # ▁ … █: lower eighths
        return (0, 1 - (code - 0x2580) / 8, 1, 1)
    if 0x2589 <= code <= 0x258F:  # ▉ … ▏: left eighths
        return (0, 0, (0x2590 - code) / 8, 1)
    return {
        "▀": (0, 0, 1, 0.5),
        "▐": (0.5, 0, 1, 1),
        "▔": (0, 0, 1, 1 / 8),
        "▕": (7 / 8, 0, 1, 1),
    }.get(char)


def _shade(char: str) -> float | None:
    return {"░": 0.25, "▒": 0.5, "▓": 0.75}.get(char)


# Font faces, first match wins: (fontconfig pattern, bold, italic).
_FACES: dict[tuple[bool, bool], tuple[str, ...]] = {
    (False, False): ("DejaVu Sans Mono:style=Book", "DejaVu Sans:style=Book"),
    (True, False): ("DejaVu Sans Mono:style=Bold", "DejaVu Sans:style=Bold"),
    (False, True): ("DejaVu Sans Mono:style=Oblique", "DejaVu Sans:style=Oblique"),
    (True, True): ("DejaVu Sans Mono:style=Bold Oblique", "DejaVu Sans:style=Bold Oblique"),
}
_CJK = {False: "Noto Sans Mono CJK SC:style=Regular", True: "Noto Sans Mono CJK SC:style=Bold"}
_LAST = "Symbola"  # emoji and rare symbols, in one colour
REQUIRED_FONTS = ("DejaVu Sans Mono", "DejaVu Sans", "Noto Sans Mono CJK SC", "Symbola")
PACKAGES = "fonts-dejavu-core fonts-dejavu-extra fonts-noto-cjk fonts-symbola"
#: Characters no font had, drawn as nothing: reported by the caller.
MISSING_GLYPHS: set[str] = set()


class MissingFonts(RuntimeError):
    pass


@cache
def _font_file(pattern: str) -> tuple[str, int] | None:
    """(file, face index) of the installed font ``pattern`` names, or None."""
    if shutil.which("fc-list") is None:
        raise MissingFonts("fc-list (fontconfig) is not installed")
    found = subprocess.run(
        ["fc-list", "-f", "%{file}|%{index}\n", pattern],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not found:
        return None
    path, index = sorted(found)[0].rsplit("|", 1)
    return path, int(index)


@cache
def _font(pattern: str) -> tuple[ImageFont.FreeTypeFont, frozenset[int]] | None:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    located = _font_file(pattern)
    if located is None:
        return None
    path, index = located
    cmap = TTFont(path, fontNumber=index, lazy=True).getBestCmap()
    return ImageFont.truetype(path, FONT_SIZE, index=index), frozenset(cmap)


def check_fonts() -> None:
    """Raise MissingFonts naming what ``make screenshots`` installs, if anything is missing."""
    missing = [name for name in REQUIRED_FONTS if _font_file(name) is None]
    if missing:
        raise MissingFonts(
            f"fonts missing: {', '.join(missing)} (Debian: apt-get install {PACKAGES})"
        )


def _glyph_font(char: str, bold: bool, italic: bool) -> ImageFont.FreeTypeFont | None:
    patterns = [*_FACES[bold, italic], *_FACES[bold, False], _CJK[bold], _CJK[False], _LAST]
    for pattern in patterns:
        loaded = _font(pattern)
        if loaded is not None and ord(char[0]) in loaded[1]:
            return loaded[0]
    MISSING_GLYPHS.add(char)
    return None


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _draw_box(draw: ImageDraw.ImageDraw, x: int, y: int, weights: tuple[int, ...], fg: str) -> None:
    up, down, left, right = weights
    cx, cy = x + CELL_W // 2, y + CELL_H // 2

    def stroke(weight: int, vertical: bool, start: int, end: int) -> None:
        if weight == 0:
            return
        offsets = (-2, 2) if weight == 3 else (0,)
        thick = 1 if weight != 2 else 3
        for off in offsets:
            if vertical:
                left_x = cx + off - thick // 2
                draw.rectangle([left_x, start, left_x + thick - 1, end], fill=fg)
            else:
                top_y = cy + off - thick // 2
                draw.rectangle([start, top_y, end, top_y + thick - 1], fill=fg)

    stroke(up, True, y, cy)
    stroke(down, True, cy, y + CELL_H - 1)
    stroke(left, False, x, cx)
    stroke(right, False, cx, x + CELL_W - 1)


def render_png(screen: Screen, target: Path) -> None:
    """Draw ``screen`` as a PNG at ``target``: a window with its title and the cells."""
    check_fonts()
    width = screen.columns * CELL_W + 2 * MARGIN
    height = screen.lines * CELL_H + TITLE_H + MARGIN
    image = Image.new("RGB", (width, height), WINDOW)
    draw = ImageDraw.Draw(image)
    for i, color in enumerate(("#ff5f57", "#febc2e", "#28c840")):
        cx = MARGIN + 8 + 22 * i
        draw.ellipse([cx - 6, TITLE_H // 2 - 6, cx + 6, TITLE_H // 2 + 6], fill=color)
    title_font = _glyph_font("d", True, False)
    if screen.title and title_font is not None:
        draw.text((width // 2, TITLE_H // 2), screen.title, fill=TITLE_FG, font=title_font,
                  anchor="mm")  # fmt: skip
    top = TITLE_H
    default_bg = "#000000"
    for row, cells in enumerate(screen.cells):
        y = top + row * CELL_H
        for col, cell in enumerate(cells):
            x = MARGIN + col * CELL_W
            if cell.char != "" or cell.bg is not None:
                draw.rectangle([x, y, x + CELL_W - 1, y + CELL_H - 1], fill=cell.bg or default_bg)
        for col, cell in enumerate(cells):
            if cell.char != "":
                x = MARGIN + col * CELL_W
                _draw_cell(draw, cell, x, y, CELL_W * (2 if cell.wide else 1))
    image.save(target, optimize=True)


def _draw_cell(draw: ImageDraw.ImageDraw, cell: Cell, x: int, y: int, span: int) -> None:
    char = cell.char
    if char == " ":
        pass
    elif char in _BOX:
        _draw_box(draw, x, y, _BOX[char], cell.fg)
    elif (block := _block(char)) is not None:
        left, top, right, bottom = block
        box = [x + round(left * CELL_W), y + round(top * CELL_H),
               x + round(right * CELL_W) - 1, y + round(bottom * CELL_H) - 1]  # fmt: skip
        if box[2] >= box[0] and box[3] >= box[1]:
            draw.rectangle(box, fill=cell.fg)
    elif (density := _shade(char)) is not None:
        fore, back = _rgb(cell.fg), _rgb(cell.bg or "#000000")
        mix = [round(f * density + b * (1 - density)) for f, b in zip(fore, back, strict=True)]
        draw.rectangle([x, y, x + span - 1, y + CELL_H - 1], fill=(mix[0], mix[1], mix[2]))
    else:
        font = _glyph_font(char, cell.bold, cell.italic)
        if font is not None:
            # Centred in its cell(s): a glyph from a wider fallback font stays in its column.
            draw.text((x + span / 2, y + CELL_H / 2), char, fill=cell.fg, font=font, anchor="mm")
    if cell.underline:
        draw.line([x, y + CELL_H - 3, x + span - 1, y + CELL_H - 3], fill=cell.fg)
    if cell.strike:
        draw.line([x, y + CELL_H // 2, x + span - 1, y + CELL_H // 2], fill=cell.fg)


def svg_to_png(svg: Path, png: Path) -> None:
    """``png`` drawn from the Rich SVG screenshot ``svg``."""
    render_png(parse_svg(svg.read_text(encoding="utf-8")), png)
