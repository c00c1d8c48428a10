"""SQLite's b-tree pages and records, decoded from bytes: pure functions, no SQLite involved.

What https://www.sqlite.org/fileformat2.html describes, as much as reading a database needs:
the 100-byte database header on page 1, the four b-tree page types (table and index, interior
and leaf) and their cell pointer arrays, varints, records and every serial type, payloads that
spill onto chains of overflow pages, the freelist, and pointer-map pages.

Pages come from a :data:`PageSource` (page number -> the page's bytes), so the same code reads
the database file, a ``-wal`` frame, or a page as of some commit. Nothing here trusts the
bytes: a cycle, a pointer out of the page, a page of the wrong type raise :class:`BtreeError`
with the page number, never an ``IndexError`` or an endless loop.

Freeblocks and fragmented bytes need no special handling: cells are reached only through the
cell pointer array, so the free space between them is never read as a cell.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "BtreeError",
    "BtreePage",
    "Cell",
    "DatabaseHeader",
    "PageKind",
    "PageSource",
    "Value",
    "child_pages",
    "decode_record",
    "freelist_pages",
    "index_payloads",
    "leaf_entries",
    "local_payload_size",
    "overflow_chain",
    "page_cells",
    "parse_database_header",
    "parse_page",
    "pointer_map_pages",
    "read_payload",
    "read_varint",
    "spilled_cells",
    "table_leaf_payloads",
    "table_rows",
    "walk_btree",
]

#: A value as SQLite stores it: NULL, INTEGER, REAL, TEXT or BLOB.
Value = None | int | float | str | bytes
#: Page number (1-based) -> that page's bytes, all ``page_size`` of them.
PageSource = Callable[[int], bytes]

DATABASE_HEADER_SIZE = 100
_MAGIC = b"SQLite format 3\x00"
_ENCODINGS = {1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}
_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
_REAL = struct.Struct(">d")
_U32 = struct.Struct(">I")


class BtreeError(ValueError):
    """The bytes are not what the file format says they must be (the message says where)."""


class PageKind(IntEnum):
    """The first byte of a b-tree page's header."""

    INDEX_INTERIOR = 2
    TABLE_INTERIOR = 5
    INDEX_LEAF = 10
    TABLE_LEAF = 13


@dataclass(frozen=True)
class DatabaseHeader:
    """The fields of page 1's first 100 bytes that reading pages needs."""

    page_size: int
    reserved: int  # bytes at the end of each page that are not b-tree content
    db_pages: int  # "in-header database size" (trusted by SQLite only when valid)
    first_freelist_trunk: int
    freelist_count: int
    largest_root: int  # non-zero: auto-vacuum or incremental vacuum, pointer-map pages exist
    text_encoding: str  # a Python codec name
    schema_cookie: int

    @property
    def usable_size(self) -> int:
        return self.page_size - self.reserved


def parse_database_header(page1: bytes) -> DatabaseHeader:
    """Page 1's database header; :class:`BtreeError` when it is not a SQLite 3 database."""
    if len(page1) < DATABASE_HEADER_SIZE or page1[:16] != _MAGIC:
        raise BtreeError("page 1 does not start with the SQLite 3 header")
    raw_size = int.from_bytes(page1[16:18], "big")
    page_size = 65536 if raw_size == 1 else raw_size
    if page_size < 512 or page_size & (page_size - 1):
        raise BtreeError(f"invalid page size {raw_size} in the database header")
    encoding = int.from_bytes(page1[56:60], "big")
    return DatabaseHeader(
        page_size=page_size,
        reserved=page1[20],
        db_pages=int.from_bytes(page1[28:32], "big"),
        first_freelist_trunk=int.from_bytes(page1[32:36], "big"),
        freelist_count=int.from_bytes(page1[36:40], "big"),
        largest_root=int.from_bytes(page1[52:56], "big"),
        # 0 only in a database with no schema yet, which SQLite then writes as UTF-8.
        text_encoding=_ENCODINGS.get(encoding, "utf-8"),
        schema_cookie=int.from_bytes(page1[40:44], "big"),
    )


def read_varint(data: bytes | memoryview, offset: int) -> tuple[int, int]:
    """The 64-bit two's-complement varint at ``offset`` and the offset after it."""
    value = 0
    for i in range(8):
        try:
            byte = data[offset + i]
        except IndexError:
            raise BtreeError(f"a varint runs past the end of its page at {offset}") from None
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    else:
        try:
            value = (value << 8) | data[offset + 8]
        except IndexError:
            raise BtreeError(f"a varint runs past the end of its page at {offset}") from None
        i = 8
    if value >= 1 << 63:
        value -= 1 << 64
    return value, offset + i + 1


def _serial_size(serial: int) -> int:
    if serial >= 12:
        return (serial - 12) // 2
    if serial in _INT_SIZES:
        return _INT_SIZES[serial]
    if serial == 7:
        return 8
    if serial in (10, 11):
        raise BtreeError(f"reserved serial type {serial} in a record")
    return 0  # 0 NULL, 8 and 9 the constants 0 and 1


def decode_record(payload: bytes | memoryview, encoding: str = "utf-8") -> tuple[Value, ...]:
    """The values of one record (its whole payload, overflow included).

    Text is decoded in the database's encoding; bytes that are not valid UTF-8 are kept as
    surrogate escapes (as the rest of dbbrowse shows them), never replaced or dropped.
    """
    # One pass over header and body, one-byte varints read inline: a commit's detail
    # decodes hundreds of thousands of records.
    data = payload if isinstance(payload, bytes) else bytes(payload)
    size = len(data)
    if not size:
        raise BtreeError("record header size 0 outside a 0-byte record")
    header_size = data[0]
    offset = 1
    if header_size >= 0x80:
        header_size, offset = read_varint(data, 0)
    if not 0 < header_size <= size:
        raise BtreeError(f"record header size {header_size} outside a {size}-byte record")
    errors = "surrogateescape" if encoding == "utf-8" else "surrogatepass"
    values: list[Value] = []
    append = values.append
    body = header_size
    int_sizes = _INT_SIZES
    while offset < header_size:
        serial = data[offset]
        if serial < 0x80:
            offset += 1
        else:
            serial, offset = read_varint(data, offset)
        if serial >= 12:
            end = body + (serial - 12) // 2
            if end > size:
                raise BtreeError(f"a record's values run past its {size}-byte payload")
            append(data[body:end] if serial % 2 == 0 else data[body:end].decode(encoding, errors))
            body = end
        elif serial == 0:
            append(None)
        elif 1 <= serial <= 6:
            end = body + int_sizes[serial]
            if end > size:
                raise BtreeError(f"a record's values run past its {size}-byte payload")
            append(int.from_bytes(data[body:end], "big", signed=True))
            body = end
        elif serial == 7:
            if body + 8 > size:
                raise BtreeError(f"a record's values run past its {size}-byte payload")
            append(_REAL.unpack_from(data, body)[0])
            body += 8
        elif serial in (8, 9):
            append(serial - 8)
        else:
            raise BtreeError(f"reserved serial type {serial} in a record")
    if offset != header_size:
        raise BtreeError("the record header's last serial type runs past the header")
    return tuple(values)


@dataclass(frozen=True)
class BtreePage:
    """A b-tree page's header and cell pointers (offsets from the start of the page)."""

    number: int
    kind: PageKind
    first_freeblock: int
    cell_count: int
    content_start: int
    fragmented_bytes: int
    right_child: int | None  # interior pages only
    cell_offsets: tuple[int, ...]

    @property
    def is_leaf(self) -> bool:
        return self.kind in (PageKind.TABLE_LEAF, PageKind.INDEX_LEAF)

    @property
    def is_table(self) -> bool:
        return self.kind in (PageKind.TABLE_LEAF, PageKind.TABLE_INTERIOR)


def parse_page(data: bytes, number: int) -> BtreePage:
    """The b-tree page header of page ``number`` (page 1's starts after the 100-byte header)."""
    start = DATABASE_HEADER_SIZE if number == 1 else 0
    if len(data) < start + 8:
        raise BtreeError(f"page {number} is too short for a b-tree page header")
    try:
        kind = PageKind(data[start])
    except ValueError:
        raise BtreeError(f"page {number} is not a b-tree page (type byte {data[start]})") from None
    interior = kind in (PageKind.TABLE_INTERIOR, PageKind.INDEX_INTERIOR)
    header_size = 12 if interior else 8
    cells = int.from_bytes(data[start + 3 : start + 5], "big")
    pointers = start + header_size
    if pointers + 2 * cells > len(data):
        raise BtreeError(f"page {number}'s {cells} cell pointers run past the page")
    offsets = struct.unpack_from(f">{cells}H", data, pointers)
    if offsets and (min(offsets) < pointers + 2 * cells or max(offsets) >= len(data)):
        raise BtreeError(f"page {number} has a cell pointer outside its cell area")
    content = int.from_bytes(data[start + 5 : start + 7], "big")
    return BtreePage(
        number=number,
        kind=kind,
        first_freeblock=int.from_bytes(data[start + 1 : start + 3], "big"),
        cell_count=cells,
        content_start=65536 if content == 0 else content,
        fragmented_bytes=data[start + 7],
        right_child=_U32.unpack_from(data, start + 8)[0] if interior else None,
        cell_offsets=offsets,
    )


def local_payload_size(payload_size: int, usable_size: int, table_leaf: bool) -> int:
    """How many bytes of a payload stay on the b-tree page; the rest go to overflow pages.

    X is the most a cell keeps locally (U-35 on table leaves, less on index pages so that at
    least four index cells fit on a page); a spilling cell keeps M bytes, or K when the
    overflow pages' share then fills whole overflow pages and K still fits.
    """
    u = usable_size
    most = u - 35 if table_leaf else ((u - 12) * 64 // 255) - 23
    if payload_size <= most:
        return payload_size
    least = ((u - 12) * 32 // 255) - 23
    k = least + (payload_size - least) % (u - 4)
    return k if k <= most else least


@dataclass(frozen=True)
class Cell:
    """One cell of a b-tree page."""

    left_child: int | None  # interior cells
    rowid: int | None  # table cells (the key of an interior table cell)
    payload_size: int  # 0 for table interior cells, which carry no payload
    local: bytes  # the payload bytes stored on the page
    first_overflow: int  # 0 when the payload fits on the page


def page_cells(data: bytes, page: BtreePage, usable_size: int) -> list[Cell]:
    """Every cell of ``page`` (``data`` its bytes), in key order."""
    cells = []
    table_leaf = page.kind is PageKind.TABLE_LEAF
    for offset in page.cell_offsets:
        left = None
        position = offset
        if not page.is_leaf:
            if position + 4 > len(data):
                raise BtreeError(f"page {page.number}: a cell runs past the page at {offset}")
            left = _U32.unpack_from(data, position)[0]
            position += 4
        if page.kind is PageKind.TABLE_INTERIOR:
            key, _ = read_varint(data, position)
            cells.append(Cell(left, key, 0, b"", 0))
            continue
        size, position = read_varint(data, position)
        rowid: int | None = None
        if page.is_table:
            rowid, position = read_varint(data, position)
        if size < 0:
            raise BtreeError(f"page {page.number}: a negative payload size at {offset}")
        local = local_payload_size(size, usable_size, table_leaf)
        end = position + local
        if end + (4 if local < size else 0) > usable_size:
            raise BtreeError(f"page {page.number}: a cell's payload runs past the page")
        first_overflow = _U32.unpack_from(data, end)[0] if local < size else 0
        cells.append(Cell(left, rowid, size, bytes(data[position:end]), first_overflow))
    return cells


def _overflow(cell: Cell, get_page: PageSource, usable_size: int) -> Iterator[tuple[int, bytes]]:
    """The overflow pages of ``cell``: (page number, the payload bytes it holds)."""
    return overflow_chain(
        cell.first_overflow, cell.payload_size - len(cell.local), get_page, usable_size
    )


def overflow_chain(
    first: int, remaining: int, get_page: PageSource, usable_size: int
) -> Iterator[tuple[int, bytes]]:
    """The chain of overflow pages from ``first`` holding ``remaining`` payload bytes:
    (page number, the payload bytes it holds)."""
    page_number = first
    seen: set[int] = set()
    while remaining > 0:
        if page_number == 0 or page_number in seen:
            raise BtreeError(f"an overflow chain breaks off with {remaining} bytes unread")
        seen.add(page_number)
        data = get_page(page_number)
        take = min(remaining, usable_size - 4)
        yield page_number, bytes(data[4 : 4 + take])
        remaining -= take
        page_number = _U32.unpack_from(data, 0)[0]


def child_pages(data: bytes, page: BtreePage) -> list[int]:
    """The child pages of an interior page, left to right (none for a leaf)."""
    if page.right_child is None:
        return []
    children = [_U32.unpack_from(data, offset)[0] for offset in page.cell_offsets]
    children.append(page.right_child)
    return children


def spilled_cells(data: bytes, page: BtreePage, usable_size: int) -> list[tuple[int, int]]:
    """(first overflow page, bytes on overflow pages) of each cell whose payload spills.

    The walk's fast path: only the payload size of each cell is decoded, nothing is copied.
    """
    if page.kind is PageKind.TABLE_INTERIOR:
        return []
    table_leaf = page.kind is PageKind.TABLE_LEAF
    most = usable_size - 35 if table_leaf else ((usable_size - 12) * 64 // 255) - 23
    skip = 0 if page.is_leaf else 4
    spilled = []
    end = len(data)
    for offset in page.cell_offsets:
        position = offset + skip
        first_byte = data[position] if position < end else 0x80
        if first_byte < 0x80:
            size, position = first_byte, position + 1
        else:
            size, position = read_varint(data, position)
        if size <= most:
            continue
        if table_leaf:
            _, position = read_varint(data, position)
        local = local_payload_size(size, usable_size, table_leaf)
        if position + local + 4 > usable_size:
            raise BtreeError(f"page {page.number}: a cell's payload runs past the page")
        spilled.append((_U32.unpack_from(data, position + local)[0], size - local))
    return spilled


def read_payload(cell: Cell, get_page: PageSource, usable_size: int) -> bytes:
    """The whole payload of ``cell``, following its overflow chain."""
    if not cell.first_overflow:
        return cell.local
    return cell.local + b"".join(part for _, part in _overflow(cell, get_page, usable_size))


def overflow_pages(cell: Cell, get_page: PageSource, usable_size: int) -> list[int]:
    """The page numbers of ``cell``'s overflow chain, in order."""
    if not cell.first_overflow:
        return []
    return [number for number, _ in _overflow(cell, get_page, usable_size)]


#: What a page is to the b-tree that owns it.
ROLE_INTERIOR = "interior"
ROLE_LEAF = "leaf"
ROLE_OVERFLOW = "overflow"


def walk_btree(
    get_page: PageSource, root: int, usable_size: int
) -> Iterator[tuple[int, str, int | None]]:
    """Every page of the b-tree rooted at ``root``: (page, role, parent page), parents first.

    The parent of an overflow page is the b-tree page whose cell it continues, or the
    previous overflow page of the chain.
    """
    seen: set[int] = set()
    stack: list[tuple[int, int | None]] = [(root, None)]
    while stack:
        number, parent = stack.pop()
        if number in seen:
            raise BtreeError(f"page {number} is reached twice in the b-tree rooted at {root}")
        seen.add(number)
        data = get_page(number)
        page = parse_page(data, number)
        yield number, ROLE_LEAF if page.is_leaf else ROLE_INTERIOR, parent
        children: list[int] = []
        for cell in page_cells(data, page, usable_size):
            if cell.left_child is not None:
                children.append(cell.left_child)
            previous = number
            for overflow in overflow_pages(cell, get_page, usable_size):
                if overflow in seen:
                    raise BtreeError(f"overflow page {overflow} is reached twice")
                seen.add(overflow)
                yield overflow, ROLE_OVERFLOW, previous
                previous = overflow
        if page.right_child is not None:
            children.append(page.right_child)
        stack.extend((child, number) for child in reversed(children))


def leaf_entries(
    get_page: PageSource, number: int, usable_size: int, encoding: str
) -> list[tuple[int | None, tuple[Value, ...]]]:
    """The entries of one leaf page: (rowid, record) on a table leaf, (None, key) on an index
    leaf; interior index cells hold entries too, so they are read the same way."""
    data = get_page(number)
    page = parse_page(data, number)
    if page.kind is PageKind.TABLE_INTERIOR:
        return []
    return [
        (cell.rowid, decode_record(read_payload(cell, get_page, usable_size), encoding))
        for cell in page_cells(data, page, usable_size)
    ]


def table_rows(
    get_page: PageSource, root: int, usable_size: int, encoding: str
) -> Iterator[tuple[int, tuple[Value, ...]]]:
    """Every (rowid, record) of the table b-tree rooted at ``root``, in rowid order."""
    for number, role, _ in walk_btree(get_page, root, usable_size):
        if role == ROLE_LEAF:
            for rowid, record in leaf_entries(get_page, number, usable_size, encoding):
                if rowid is None:
                    raise BtreeError(f"page {number} is an index page inside a table b-tree")
                yield rowid, record


def freelist_pages(get_page: PageSource, header: DatabaseHeader) -> tuple[list[int], list[int]]:
    """The freelist's trunk pages and leaf pages."""
    trunks: list[int] = []
    leaves: list[int] = []
    number = header.first_freelist_trunk
    seen: set[int] = set()
    while number:
        if number in seen:
            raise BtreeError(f"freelist trunk page {number} is reached twice")
        seen.add(number)
        trunks.append(number)
        data = get_page(number)
        following, count = struct.unpack_from(">II", data, 0)
        if count > header.usable_size // 4 - 2:
            raise BtreeError(f"freelist trunk page {number} claims {count} leaves")
        leaves.extend(struct.unpack_from(f">{count}I", data, 8))
        number = following
    return trunks, leaves


def pointer_map_pages(header: DatabaseHeader, db_pages: int) -> list[int]:
    """The pointer-map pages of an auto-vacuum database of ``db_pages`` pages (else none)."""
    if not header.largest_root:
        return []
    step = header.usable_size // 5 + 1  # one pointer-map page, then the pages it maps
    return list(range(2, db_pages + 1, step))


def count_entries(get_page: PageSource, root: int) -> int:
    """How many rows (or index entries) the b-tree rooted at ``root`` holds, from the page
    headers alone: no record is decoded and no overflow page read."""
    total = 0
    seen: set[int] = set()
    stack = [root]
    while stack:
        number = stack.pop()
        if number in seen:
            raise BtreeError(f"page {number} is reached twice in the b-tree rooted at {root}")
        seen.add(number)
        data = get_page(number)
        page = parse_page(data, number)
        if page.kind is not PageKind.TABLE_INTERIOR:
            total += page.cell_count  # index interior cells are entries too
        stack.extend(child_pages(data, page))
    return total


def table_leaf_payloads(
    get_page: PageSource, number: int, usable_size: int
) -> list[tuple[int | None, bytes]]:
    """(rowid, whole payload) of each cell of one leaf page, records left undecoded, so that
    a caller compares them as bytes and decodes only those that differ. On a table leaf this
    reads the cells in place; any other page goes through :func:`page_cells` (rowid None on
    an index page)."""
    data = get_page(number)
    page = parse_page(data, number)
    if page.kind is not PageKind.TABLE_LEAF:
        if page.kind is PageKind.TABLE_INTERIOR:
            return []
        return [
            (cell.rowid, read_payload(cell, get_page, usable_size))
            for cell in page_cells(data, page, usable_size)
        ]
    most = usable_size - 35
    found: list[tuple[int | None, bytes]] = []
    append = found.append
    for offset in page.cell_offsets:
        size = data[offset]
        position = offset + 1
        if size >= 0x80:
            size, position = read_varint(data, offset)
        rowid = data[position] if position < len(data) else 0x80
        if rowid < 0x80:
            position += 1
        else:
            rowid, position = read_varint(data, position)
        if size < 0:
            raise BtreeError(f"page {number}: a negative payload size at {offset}")
        if size <= most:
            end = position + size
            if end > usable_size:
                raise BtreeError(f"page {number}: a cell's payload runs past the page")
            append((rowid, data[position:end]))
            continue
        local = local_payload_size(size, usable_size, True)
        end = position + local
        if end + 4 > usable_size:
            raise BtreeError(f"page {number}: a cell's payload runs past the page")
        cell = Cell(None, rowid, size, bytes(data[position:end]), _U32.unpack_from(data, end)[0])
        append((rowid, read_payload(cell, get_page, usable_size)))
    return found


def index_payloads(get_page: PageSource, number: int, usable_size: int) -> list[bytes]:
    """The whole payload (an index entry's record, undecoded) of each cell of one index
    page, leaf or interior (interior index cells hold entries too); none on a table's
    interior page. Any other page goes through :func:`table_leaf_payloads`."""
    data = get_page(number)
    page = parse_page(data, number)
    if page.kind not in (PageKind.INDEX_LEAF, PageKind.INDEX_INTERIOR):
        return [payload for _, payload in table_leaf_payloads(get_page, number, usable_size)]
    most = ((usable_size - 12) * 64 // 255) - 23
    skip = 4 if page.kind is PageKind.INDEX_INTERIOR else 0
    found: list[bytes] = []
    append = found.append
    for offset in page.cell_offsets:
        position = offset + skip
        size = data[position] if position < len(data) else 0x80
        if size < 0x80:
            position += 1
        else:
            size, position = read_varint(data, position)
        if size < 0:
            raise BtreeError(f"page {number}: a negative payload size at {offset}")
        if size <= most:
            end = position + size
            if end > usable_size:
                raise BtreeError(f"page {number}: a cell's payload runs past the page")
            append(data[position:end])
            continue
        local = local_payload_size(size, usable_size, False)
        end = position + local
        if end + 4 > usable_size:
            raise BtreeError(f"page {number}: a cell's payload runs past the page")
        cell = Cell(None, None, size, bytes(data[position:end]), _U32.unpack_from(data, end)[0])
        append(read_payload(cell, get_page, usable_size))
    return found
