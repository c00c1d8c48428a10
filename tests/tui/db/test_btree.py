"""The b-tree and record decoder against database files SQLite writes: every row the decoder
reads equals what SQLite returns, at page sizes 512 to 65536, with overflow pages, freeblocks,
the three text encodings, auto-vacuum pointer maps and the freelist."""

from __future__ import annotations

import math
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.db.btree import (
    ROLE_OVERFLOW,
    BtreeError,
    PageKind,
    Value,
    child_pages,
    decode_record,
    freelist_pages,
    local_payload_size,
    page_cells,
    parse_database_header,
    parse_page,
    pointer_map_pages,
    read_varint,
    spilled_cells,
    table_rows,
    walk_btree,
)


def file_pages(path: Path) -> tuple[Callable[[int], bytes], int]:
    data = path.read_bytes()
    size = parse_database_header(data[:100]).page_size

    def get(number: int) -> bytes:
        return data[(number - 1) * size : number * size]

    return get, len(data) // size


def make_db(path: Path, page_size: int = 4096, encoding: str = "UTF-8") -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.execute("PRAGMA synchronous=OFF")  # no fsync per statement: the tests read files
    return con


def decoded(path: Path, table: str) -> list[tuple[int, tuple[Value, ...]]]:
    get, _ = file_pages(path)
    header = parse_database_header(get(1))
    con = sqlite3.connect(path)
    (root,) = con.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
    con.close()
    return list(table_rows(get, root, header.usable_size, header.text_encoding))


def expected(path: Path, table: str) -> list[tuple[int, tuple[Value, ...]]]:
    con = sqlite3.connect(path)
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    rows = con.execute(f'SELECT rowid, * FROM "{table}" ORDER BY rowid').fetchall()
    con.close()
    return [(row[0], tuple(row[1:])) for row in rows]


def same(a: list[tuple[int, tuple[Value, ...]]], b: list[tuple[int, tuple[Value, ...]]]) -> bool:
    """Equal, with NaN equal to itself (SQLite stores NaN as NULL, but be exact anyway)."""

    def key(value: Value) -> object:
        return ("nan",) if isinstance(value, float) and math.isnan(value) else (type(value), value)

    return [(r, tuple(map(key, v))) for r, v in a] == [(r, tuple(map(key, v))) for r, v in b]


# Varints and serial types


@pytest.mark.parametrize(
    "value",
    [0, 1, 127, 128, 240, 2287, 16383, 16384, 2**21, 2**28, 2**35, 2**56 - 1, 2**56, 2**63 - 1, -1],
)
def test_varints_round_trip_through_sqlite(tmp_path: Path, value: int) -> None:
    """A rowid is stored as a varint: every size class, up to the 9-byte form."""
    path = tmp_path / "v.db"
    con = make_db(path)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t (rowid, x) VALUES (?, 1)", (value,))
    con.close()
    assert decoded(path, "t") == [(value, (1,))]


def test_a_varint_cut_short_is_an_error() -> None:
    with pytest.raises(BtreeError):
        read_varint(b"\x81\x81", 0)


def test_every_serial_type_decodes(tmp_path: Path) -> None:
    """NULL, the integer sizes 1-8 bytes with sign, the constants 0 and 1 (types 8 and 9),
    reals, text and blobs, empty ones too."""
    path = tmp_path / "s.db"
    con = make_db(path)
    con.execute("CREATE TABLE t (v)")
    values: list[Value] = [
        None, 0, 1, 2, -1, 127, -128, 32767, -32768, 8388607, -8388608, 2**31 - 1, -(2**31),
        2**47 - 1, -(2**47), 2**63 - 1, -(2**63), 0.5, -1e300, float("inf"), "", "text",
        "日本語 ✓", b"", b"\x00\xff", "a\x00b",
    ]  # fmt: skip
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    con.close()
    assert [record for _, record in decoded(path, "t")] == [(v,) for v in values]
    assert decoded(path, "t") == expected(path, "t")


def test_reserved_serial_types_are_refused() -> None:
    with pytest.raises(BtreeError, match="reserved serial type 10"):
        decode_record(bytes([2, 10]))


def test_invalid_utf8_text_is_kept_as_surrogate_escapes(tmp_path: Path) -> None:
    path = tmp_path / "u.db"
    con = make_db(path)
    con.execute("CREATE TABLE t (v)")
    con.execute("INSERT INTO t VALUES (CAST(X'61FF62' AS TEXT))")
    con.close()
    assert decoded(path, "t") == [(1, ("a\udcffb",))]


@pytest.mark.parametrize("encoding", ["UTF-16le", "UTF-16be", "UTF-8"])
def test_text_in_the_database_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "e.db"
    con = make_db(path, encoding=encoding)
    con.execute("CREATE TABLE t (v)")
    con.executemany("INSERT INTO t VALUES (?)", [("héllo",), ("𝄞 clef",), ("",)])
    con.close()
    assert decoded(path, "t") == expected(path, "t")


# Pages, overflow, structure


def test_payload_spill_sizes_follow_the_file_format() -> None:
    """U=4096: table leaves keep up to 4061 bytes; a spilling cell keeps M or K bytes."""
    assert local_payload_size(4061, 4096, table_leaf=True) == 4061
    m = ((4096 - 12) * 32 // 255) - 23
    assert m == 489
    assert local_payload_size(4062, 4096, table_leaf=True) == m  # K = 4062 > X: M
    assert local_payload_size(10_000, 4096, table_leaf=True) == m + 1327  # K = 1816 <= X
    assert local_payload_size(1002, 4096, table_leaf=False) == 1002  # X = 1002 on index pages
    assert local_payload_size(5000, 4096, table_leaf=False) == m + 419  # K = 908 <= X
    assert local_payload_size(1600, 4096, table_leaf=False) == m  # K = 1600 > X: M


@pytest.mark.parametrize("page_size", [512, 1024, 4096, 65536])
def test_tables_of_every_shape_read_as_sqlite_reads_them(tmp_path: Path, page_size: int) -> None:
    """Many rows (interior pages), values larger than a page (overflow chains, and cells that
    keep K rather than M bytes), then deletes that leave freeblocks and free pages."""
    path = tmp_path / "p.db"
    con = make_db(path, page_size)
    con.execute("CREATE TABLE t (a, b, c)")
    con.execute("CREATE INDEX t_b ON t (b)")
    rows = [(i, f"row {i}" * (i % 7), bytes(range(i % 256)) * (i % 5)) for i in range(2000)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    for size in (page_size - 40, page_size + 1, 3 * page_size + 17, 200_000):
        con.execute("INSERT INTO t VALUES (?, ?, randomblob(?))", (size, "x" * (size // 3), size))
    con.execute("DELETE FROM t WHERE a % 3 = 0")
    con.execute("UPDATE t SET b = 'shorter' WHERE a % 5 = 0")
    con.close()
    assert same(decoded(path, "t"), expected(path, "t"))


@pytest.mark.parametrize("page_size", [512, 65536])
def test_a_walk_finds_every_page_of_every_btree(tmp_path: Path, page_size: int) -> None:
    """Pages of all b-trees, the freelist and page 1 add up to the file, each page once,
    the roles agree with dbstat's page types."""
    path = tmp_path / "w.db"
    con = make_db(path, page_size)
    con.execute("CREATE TABLE t (a, b)")
    con.execute("CREATE INDEX t_b ON t (b)")
    con.execute("CREATE TABLE w (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "v" * (i % 900)) for i in range(600)])
    con.execute("INSERT INTO t VALUES (-1, ?)", ("o" * 150_000,))
    con.executemany("INSERT INTO w VALUES (?, ?)", [(f"k{i}" * 40, i) for i in range(300)])
    con.execute("CREATE TABLE gone (x)")
    con.executemany("INSERT INTO gone VALUES (?)", [("z" * 700,)] * 50)
    con.execute("DROP TABLE gone")
    roots = con.execute(
        "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0 UNION ALL "
        "SELECT 'sqlite_schema', 1"
    ).fetchall()
    stat = {
        (name, pageno): pagetype
        for name, pageno, pagetype in con.execute("SELECT name, pageno, pagetype FROM dbstat")
    }
    con.close()
    get, count = file_pages(path)
    header = parse_database_header(get(1))
    owners: dict[int, str] = {}
    for name, root in roots:
        for number, role, _ in walk_btree(get, root, header.usable_size):
            assert number not in owners
            owners[number] = name
            assert stat[(name, number)] == {"interior": "internal"}.get(role, role)
    trunks, leaves = freelist_pages(get, header)
    assert len(trunks) + len(leaves) == header.freelist_count > 0
    assert set(owners) | set(trunks) | set(leaves) == set(range(1, count + 1))
    assert ROLE_OVERFLOW in stat.values()


def test_pointer_map_pages_of_an_auto_vacuum_database(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    con = make_db(path, 512)
    con.execute("PRAGMA auto_vacuum=FULL")
    con.execute("CREATE TABLE t (a)")
    con.executemany("INSERT INTO t VALUES (?)", [("x" * 400,)] * 400)
    (root,) = con.execute("SELECT rootpage FROM sqlite_schema WHERE name='t'").fetchone()
    con.close()
    get, count = file_pages(path)
    header = parse_database_header(get(1))
    maps = pointer_map_pages(header, count)
    assert maps[:2] == [2, 2 + 512 // 5 + 1]
    tree = {number for number, _, _ in walk_btree(get, root, header.usable_size)}
    assert tree | set(maps) | {1} == set(range(1, count + 1))
    for number in maps:  # a pointer-map page is no b-tree page
        with pytest.raises(BtreeError):
            parse_page(get(number), number)


def test_page_one_header_and_its_btree_page(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    con = make_db(path, 1024)
    con.execute("CREATE TABLE t (a)")
    con.close()
    get, _ = file_pages(path)
    header = parse_database_header(get(1))
    assert (header.page_size, header.reserved, header.text_encoding) == (1024, 0, "utf-8")
    assert parse_page(get(1), 1).kind is PageKind.TABLE_LEAF
    with pytest.raises(BtreeError, match="not start with the SQLite 3 header"):
        parse_database_header(b"\x00" * 100)


def test_a_cycle_is_an_error_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    con = make_db(path, 512)
    con.execute("CREATE TABLE t (a)")
    con.executemany("INSERT INTO t VALUES (?)", [("x" * 100,)] * 50)
    (root,) = con.execute("SELECT rootpage FROM sqlite_schema WHERE name='t'").fetchone()
    con.close()
    get, _ = file_pages(path)
    page = bytearray(get(root))
    struct.pack_into(">I", page, 8, root)  # the right child points back at the root

    def broken(number: int) -> bytes:
        return bytes(page) if number == root else get(number)

    with pytest.raises(BtreeError, match="reached twice"):
        list(walk_btree(broken, root, 512))


# Property: random values round-trip through real SQLite files

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(exclude_categories=("Cs",))),
    st.binary(max_size=3000),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(values, min_size=1, max_size=6), min_size=1, max_size=25),
    page_size=st.sampled_from([512, 1024, 4096]),
    encoding=st.sampled_from(["UTF-8", "UTF-16le", "UTF-16be"]),
)
def test_random_records_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[Value]],
    page_size: int,
    encoding: str,
) -> None:
    path = tmp_path_factory.mktemp("rt") / "r.db"
    con = make_db(path, page_size, encoding)
    con.execute("CREATE TABLE t (c0, c1, c2, c3, c4, c5)")
    for row in rows:
        names = ", ".join(f"c{i}" for i in range(len(row)))
        con.execute(f"INSERT INTO t ({names}) VALUES ({', '.join('?' * len(row))})", row)
    con.close()
    got = decoded(path, "t")
    assert got == expected(path, "t")
    assert [list(v[: len(row)]) for (_, v), row in zip(got, rows, strict=True)] == rows


@pytest.mark.parametrize("page_size", [512, 4096])
def test_the_fast_link_readers_agree_with_the_full_cell_decoder(
    tmp_path: Path, page_size: int
) -> None:
    """child_pages and spilled_cells (the history's fast path) find the same children and
    overflow chains as page_cells, on table and index pages, leaves and interiors."""
    path = tmp_path / "f.db"
    con = make_db(path, page_size)
    con.execute("CREATE TABLE t (a, b)")
    con.execute("CREATE INDEX t_b ON t (b)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?)", [(i, "v" * (i * 37 % (3 * page_size))) for i in range(500)]
    )
    con.close()
    get, count = file_pages(path)
    usable = parse_database_header(get(1)).usable_size
    checked = 0
    for number in range(1, count + 1):
        data = get(number)
        try:
            page = parse_page(data, number)
        except BtreeError:
            continue  # an overflow or free page
        cells = page_cells(data, page, usable)
        children = [c.left_child for c in cells if c.left_child is not None]
        if page.right_child is not None:
            children.append(page.right_child)
        assert child_pages(data, page) == children
        spilled = [
            (c.first_overflow, c.payload_size - len(c.local)) for c in cells if c.first_overflow
        ]
        assert spilled_cells(data, page, usable) == spilled
        checked += bool(spilled)
    assert checked > 2
