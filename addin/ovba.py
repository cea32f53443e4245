"""Write a VBA project (vbaProject.bin) from source text: MS-OVBA + MS-CFB.

Only what an add-in needs: modules stored as compressed source with no compiled
p-code (the _VBA_PROJECT stream says version 0xFFFF, so Office compiles the source
when it opens the file), a PROJECT stream, and a compound file to hold them.
Everything is deterministic (no timestamps, fixed GUIDs), so builds are reproducible.

References: [MS-OVBA] §2.3 (streams), §2.4.1 (compression), §2.4.3 (data encryption),
[MS-CFB] (the compound file).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# ----------------------------------------------------------------------------- compression


def compress(data: bytes, allow_raw: bool = True) -> bytes:
    """MS-OVBA §2.4.1 CompressedContainer of ``data``.

    A chunk whose tokens would not fit in 4096 bytes is stored raw, as the spec says,
    padded with 0x00 to 4096 bytes (§2.4.1.3.10) -- so decompressing a short, incompressible
    last chunk gives those zeros too.  Module source never needs that (text always
    compresses); ``allow_raw=False`` makes it an error instead of a silent NUL tail.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = _compress_chunk(data[start:start + 4096])
        if not allow_raw and not chunk[1] & 0x80:
            raise ValueError(f"bytes {start}..{start + 4096} do not compress; refusing a raw chunk")
        out += chunk
    return bytes(out)


def copy_token_help(difference: int) -> tuple[int, int, int, int]:
    """§2.4.1.3.19.1 CopyToken Help: (length_mask, offset_mask, bit_count, maximum_length).

    ``difference`` is how far into the chunk the token is (DecompressedCurrent minus
    DecompressedChunkStart).  bit_count = max(ceil(log2(difference)), 4) bits hold the
    offset; the remaining 16 - bit_count bits hold length - 3, so the longest match is
    (0xFFFF >> bit_count) + 3.  (PyPI's ms-ovba 0.0.1 shifts the other way, ``0xFFFF <<
    bit_count + 3``, and writes tokens Office cannot read.)
    """
    if difference < 1:
        raise ValueError("a copy token needs at least one byte before it in the chunk")
    bit_count = max((difference - 1).bit_length(), 4)    # ceil(log2(difference)), at least 4
    length_mask = 0xFFFF >> bit_count
    offset_mask = ~length_mask & 0xFFFF
    maximum_length = length_mask + 3
    return length_mask, offset_mask, bit_count, maximum_length


def pack_copy_token(offset: int, length: int, difference: int) -> int:
    """§2.4.1.3.19.3 Pack CopyToken: ``offset`` bytes back, ``length`` bytes long."""
    length_mask, _offset_mask, bit_count, maximum_length = copy_token_help(difference)
    if not 3 <= length <= maximum_length or not 1 <= offset <= min(difference, 1 << bit_count):
        raise ValueError(f"no copy token for offset {offset}, length {length} at {difference}")
    return ((offset - 1) << (16 - bit_count)) | ((length - 3) & length_mask)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos = 0
    n = len(chunk)
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= n:
                max_len = copy_token_help(pos)[3]
                limit = min(max_len, n - pos)
                for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-64:]):
                    length = 3
                    while length < limit and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
            if best_len >= 3:
                body += struct.pack("<H", pack_copy_token(best_off, best_len, pos))
                flags |= 1 << bit
                for p in range(pos, pos + best_len):
                    if p + 3 <= n:
                        heads.setdefault(chunk[p:p + 3], []).append(p)
                pos += best_len
            else:
                if pos + 3 <= n:
                    heads.setdefault(chunk[pos:pos + 3], []).append(pos)
                body.append(chunk[pos])
                pos += 1
        body[flag_index] = flags
    if len(body) > 4096:
        # Incompressible: a raw chunk holds exactly 4096 bytes (padded, §2.4.1.3.10).
        raw = chunk + b"\x00" * (4096 - len(chunk))
        return struct.pack("<H", (4096 + 2 - 3) | (0b011 << 12)) + raw
    header = (len(body) + 2 - 3) | (0b011 << 12) | (1 << 15)
    return struct.pack("<H", header) + bytes(body)


# ----------------------------------------------------------------------------- data encryption


def encrypt(data: bytes, project_id: str, seed: int = 0x5D) -> str:
    """MS-OVBA §2.4.3.2 Data Encryption (used for CMG, DPB, GC), as the hex text PROJECT holds.

    Each byte is XORed with (EncryptedByte2 + UnencryptedByte1) -- the byte encrypted two
    steps back plus the plain byte one step back -- seeded from the ProjKey, the sum of
    the characters of ``project_id`` (with its braces).  The seed and the filler bytes the
    spec leaves random are fixed, so builds are reproducible.
    """
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, version ^ seed, project_key ^ seed])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, project_key ^ seed, version ^ seed
    filler = bytes((seed & 6) // 2)          # IgnoredLength bytes, zero instead of random
    for byte in filler + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    return out.hex().upper()


def decrypt(text: str, project_id: str | None = None) -> bytes:
    """MS-OVBA §2.4.3.3 Data Decryption: the data of a CMG/DPB/GC value (checks ProjKey if given)."""
    raw = bytes.fromhex(text)
    seed, version_enc, project_key_enc = raw[:3]
    if version_enc ^ seed != 2:
        raise ValueError(f"encryption version {version_enc ^ seed}, expected 2")
    project_key = project_key_enc ^ seed
    if project_id is not None and project_key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("ProjKey does not match the project id")
    unencrypted_1, encrypted_1, encrypted_2 = project_key, project_key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    plain = plain[(seed & 6) // 2:]
    length = struct.unpack_from("<I", plain)[0]
    if len(plain) != 4 + length:
        raise ValueError(f"length field says {length}, {len(plain) - 4} bytes follow")
    return bytes(plain[4:])


# ----------------------------------------------------------------------------- the project


@dataclass
class Module:
    name: str
    source: str          # with its Attribute lines, as VBA exports it
    kind: str            # "standard" | "class" | "document"
    document_cookie: str = "&H00000000"


def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _dir_stream(project_name: str, modules: list[Module], references: bytes, codepage: int) -> bytes:
    enc = lambda s: s.encode(f"cp{codepage}")  # noqa: E731
    u16 = lambda s: s.encode("utf-16-le")  # noqa: E731
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))            # SYSKIND: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", 0x409))        # LCID
    out += _rec(0x0014, struct.pack("<I", 0x409))        # LCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", codepage))     # CODEPAGE
    out += _rec(0x0004, enc(project_name))               # NAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")         # DOCSTRING (+ unicode)
    out += _rec(0x0006, b"") + _rec(0x003D, b"")         # HELPFILEPATH (+ second)
    out += _rec(0x0007, struct.pack("<I", 0))            # HELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))            # LIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)         # VERSION (its size field says 4 but holds 6)
    out += _rec(0x000C, b"") + _rec(0x003C, b"")         # CONSTANTS (+ unicode)
    out += references
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES count
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))        # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, enc(m.name))
        out += _rec(0x0047, u16(m.name))
        out += _rec(0x001A, enc(m.name)) + _rec(0x0032, u16(m.name))
        out += _rec(0x001C, b"") + _rec(0x0048, b"")
        out += _rec(0x0031, struct.pack("<I", 0))          # MODULEOFFSET: source starts at 0 (no p-code)
        out += _rec(0x001E, struct.pack("<I", 0))          # HELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))     # COOKIE
        out += _rec(0x0021 if m.kind == "standard" else 0x0022, b"")
        out += struct.pack("<HI", 0x002B, 0)               # module terminator
    out += struct.pack("<HI", 0x0010, 0)                   # dir terminator
    return bytes(out)


def _project_stream(project_id: str, project_name: str, modules: list[Module]) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/{m.document_cookie}")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(struct.pack("<I", 0), project_id)}"',        # protection state: none
        f'DPB="{encrypt(bytes([0]), project_id)}"',                    # password: none
        f'GC="{encrypt(bytes([0xFF]), project_id)}"',                  # visibility: visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
        *[f"{m.name}=0, 0, 0, 0, C" for m in modules],
        "",
    ]
    return "\r\n".join(lines).encode("cp1252")


def _projectwm(modules: list[Module], codepage: int) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def vba_project(project_name: str, project_id: str, modules: list[Module], references: bytes,
                codepage: int = 1252) -> bytes:
    """The bytes of a vbaProject.bin holding ``modules`` (source only, compiled on open)."""
    streams: dict[tuple[str, ...], bytes] = {
        ("PROJECT",): _project_stream(project_id, project_name, modules),
        ("PROJECTwm",): _projectwm(modules, codepage),
        ("VBA", "_VBA_PROJECT"): b"\xCC\x61\xFF\xFF\x00\x00\x00",
        ("VBA", "dir"): compress(_dir_stream(project_name, modules, references, codepage), allow_raw=False),
    }
    for m in modules:
        text = m.source.replace("\r\n", "\n").replace("\n", "\r\n")
        streams[("VBA", m.name)] = compress(text.encode(f"cp{codepage}"), allow_raw=False)
    return write_cfb(streams)


# ----------------------------------------------------------------------------- compound file

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int                 # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] | None = None
    sid: int = 0
    start: int = ENDOFCHAIN
    size: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def _cfb_key(e: _Entry) -> tuple[int, str]:
    return (len(e.name), e.name.upper())


def write_cfb(streams: dict[tuple[str, ...], bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` (paths of storage names + stream name)."""
    root = _Entry("Root Entry", 5, children=[])
    for path, data in sorted(streams.items()):
        node = root
        for part in path[:-1]:
            found = next((c for c in node.children if c.name == part and c.kind == 1), None)
            if found is None:
                found = _Entry(part, 1, children=[])
                node.children.append(found)
            node = found
        node.children.append(_Entry(path[-1], 2, data=data))
    entries: list[_Entry] = []

    def number(e: _Entry) -> None:
        e.sid = len(entries)
        entries.append(e)
        for c in sorted(e.children or [], key=_cfb_key):
            number(c)

    number(root)

    def tree(items: list[_Entry]) -> int:
        """A balanced binary search tree of siblings (all black); returns the root's id."""
        if not items:
            return NOSTREAM
        mid = len(items) // 2
        node = items[mid]
        node.left = tree(items[:mid])
        node.right = tree(items[mid + 1:])
        return node.sid

    for e in entries:
        if e.children is not None:
            e.child = tree(sorted(e.children, key=_cfb_key))

    # Small streams go to the mini stream; large ones get regular sectors.
    mini_stream = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != 2:
            continue
        e.size = len(e.data)
        if e.size < CUTOFF:
            if e.size == 0:
                e.start = ENDOFCHAIN
                continue
            first = len(minifat)
            count = -(-e.size // MINI)
            mini_stream += e.data + b"\x00" * (count * MINI - e.size)
            minifat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            e.start = first
        else:
            big.append(e)

    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes, marker: int | None = None) -> int:
        if not data:
            return ENDOFCHAIN
        first = len(sectors)
        count = -(-len(data) // SECTOR)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)
        return first

    for e in big:
        e.start = place(e.data)
    root.start = place(bytes(mini_stream))
    root.size = len(mini_stream)
    minifat_bytes = b"".join(struct.pack("<I", x) for x in minifat)
    if minifat_bytes:
        minifat_bytes += struct.pack("<I", FREESECT) * ((-len(minifat)) % (SECTOR // 4))
    first_minifat = place(minifat_bytes)
    n_minifat = -(-len(minifat_bytes) // SECTOR)

    dir_bytes = bytearray()
    for e in entries:
        name = e.name.encode("utf-16-le") + b"\x00\x00"
        dir_bytes += name.ljust(64, b"\x00")
        dir_bytes += struct.pack("<HBB", len(name), e.kind, 1)
        dir_bytes += struct.pack("<III", e.left, e.right, e.child)
        dir_bytes += b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16
        start = e.start if e.kind != 1 else 0
        size = e.size if e.kind != 1 else 0
        dir_bytes += struct.pack("<IQ", start, size)
    while len(dir_bytes) % SECTOR:
        dir_bytes += b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 48
    first_dir = place(bytes(dir_bytes))

    # FAT sectors cover every sector, themselves included.
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("too large for a compound file without DIFAT")
    fat_first = len(sectors)
    fat += [FATSECT] * n_fat
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    for i in range(n_fat):
        sectors.append(fat_bytes[i * SECTOR:(i + 1) * SECTOR])

    header = bytearray()
    header += bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, CUTOFF,
                          first_minifat if n_minifat else ENDOFCHAIN, n_minifat, ENDOFCHAIN, 0)
    difat = [fat_first + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header += b"".join(struct.pack("<I", x) for x in difat)
    assert len(header) == SECTOR
    return bytes(header) + b"".join(sectors)
