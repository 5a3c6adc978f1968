#!/usr/bin/env python3
"""Reference reader, writer and command-line tool for the .vaez v1 model format (1.0 and 1.1).

The contract is Formats/vaez.md; this file follows it section by section and
raises the same rule names in the same order as any other conforming reader.

Library use:
    model = vaez.read("model.vaez")            # -> Model (metadata, tensors, dtypes)
    vaez.write("out.vaez", metadata, tensors, dtype="int8")

CLI:
    python3 Tools/vaez.py inspect FILE [--json]
    python3 Tools/vaez.py verify FILE
    python3 Tools/vaez.py to-npz FILE OUT.npz
    python3 Tools/vaez.py to-safetensors FILE OUT.safetensors
    python3 Tools/vaez.py from-safetensors IN.safetensors OUT.vaez [--dtype D] [--metadata META.json]

Only the standard library, numpy and zstandard are used.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import math
import os
import re
import struct
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NoReturn

import numpy as np
import zstandard

TOOL_NAME = "vaez.py"
TOOL_VERSION = "1.0.0"

# --- constants of the format (Formats/vaez.md, "Layout") ----------------------

MAGIC = b"\x89VAEZ\r\n\x1a"
END_MAGIC = b"ENDVAEZ\n"
VERSION = (1, 1)  # the newest version this tool knows; writers write the lowest that fits (format_version)
BASE_VERSION = (1, 0)  # files without any 1.1 addition
PREAMBLE_SIZE = 64
ENTRY_SIZE = 64
FOOTER_SIZE = 40
ALIGN = 64
HEADER_CHECKSUM_SPAN = 60  # preamble bytes covered by header_checksum

KIND_METADATA, KIND_TENSOR_INDEX, KIND_TENSOR_DATA = 1, 2, 3
KIND_NAMES = {KIND_METADATA: "metadata", KIND_TENSOR_INDEX: "tensor_index", KIND_TENSOR_DATA: "tensor_data"}
FLAG_REQUIRED = 0x0001
CODEC_NONE, CODEC_ZSTD = 0, 1
CODEC_NAMES = {CODEC_NONE: "none", CODEC_ZSTD: "zstd"}
FILTER_NONE, FILTER_SHUFFLE = 0, 1
FILTER_NAMES = {FILTER_NONE: "none", FILTER_SHUFFLE: "byte_shuffle"}
SHUFFLE_WIDTHS = (1, 2, 4)
ZSTD_FRAME_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_LEVEL = 19

DTYPE_CODES = {"f32": 1, "f16": 2, "bf16": 3, "int8": 4}
DTYPE_NAMES = {code: name for name, code in DTYPE_CODES.items()}
ELEMENT_SIZE = {"f32": 4, "f16": 2, "bf16": 2}  # int8 is sized per row, see tensor_byte_size
MAX_RANK = 4
MAX_NAME_LENGTH = 255
U64_MAX = 2**64 - 1
MAX_SAFE_INTEGER = 2**53 - 1  # metadata integers must survive a round trip through a double
MAX_ARCH_SIZE = 2**31 - 1  # keeps every shape product inside a signed 64-bit integer
MAX_JSON_DEPTH = 64  # below every common parser's own nesting limit
MAX_CLASSES = 256  # class labels fit in a byte

PREAMBLE = struct.Struct("<8sHHIQQQI16sI")
ENTRY = struct.Struct("<IHHBBBBIQQQ24s")
assert PREAMBLE.size == PREAMBLE_SIZE and ENTRY.size == ENTRY_SIZE

# Every rule name, in check order (Formats/vaez.md, "Validation").
RULES = (
    "too_short", "bad_magic", "unsupported_version", "unknown_required_feature",
    "file_length_mismatch", "bad_end_magic", "sha256_mismatch", "reserved_nonzero",
    "header_invalid", "header_too_large", "header_checksum_mismatch",
    "unknown_codec", "unknown_filter", "section_misaligned", "section_out_of_bounds",
    "section_overlap", "duplicate_section_id", "nonzero_padding", "unknown_required_section",
    "missing_section", "duplicate_section",
    "section_checksum_mismatch", "section_length_mismatch", "frame_content_size_mismatch",
    "decompression_failed", "limit_exceeded",
    "tensor_index_invalid", "too_many_tensors", "bad_tensor_name", "duplicate_tensor_name",
    "unknown_dtype", "bad_rank", "bad_dims", "unknown_section_ref", "tensor_size_mismatch",
    "metadata_invalid", "shape_contract",
)


class VaezError(ValueError):
    """A file (or a model handed to the writer) breaks rule `rule` of the spec."""

    def __init__(self, rule: str, message: str):
        assert rule in RULES, rule
        # Messages quote file content; escape lone surrogates so they can always be printed.
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Reader limits; the defaults are the spec's. They bound memory before allocation."""

    max_header_length: int = 1 << 20
    max_metadata_length: int = 1 << 20
    max_tensor_index_length: int = 1 << 20
    max_tensors: int = 256
    max_tensor_bytes: int = 1 << 30


@dataclass(frozen=True)
class Preamble:
    magic: bytes
    version_major: int
    version_minor: int
    section_count: int
    required_features: int
    optional_features: int
    file_length: int
    header_length: int
    reserved: bytes
    header_checksum: int

    @classmethod
    def unpack(cls, data: bytes) -> "Preamble":
        return cls(*PREAMBLE.unpack_from(data, 0))


@dataclass(frozen=True)
class Entry:
    """One section table entry, with its reserved fields kept so they can be checked."""

    id: int
    kind: int
    flags: int
    codec: int
    filter: int
    element_size: int
    reserved_byte: int
    checksum: int
    offset: int
    stored_length: int
    raw_length: int
    reserved_tail: bytes

    @classmethod
    def unpack(cls, data: bytes, offset: int) -> "Entry":
        return cls(*ENTRY.unpack_from(data, offset))

    @property
    def end(self) -> int:
        return self.offset + self.stored_length  # Python ints: no u64 wrap-around

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, f"unknown({self.kind})")


@dataclass(frozen=True)
class TensorRecord:
    """One tensor index entry after validation."""

    name: str
    dtype: str
    dims: tuple[int, ...]
    section: Entry


# What a model without `data` means: every 1.0 file (Formats/vaez.md section 6.1.1).
DEFAULT_DATA = {
    "kind": "image", "likelihood": "bernoulli", "variance": None, "normalisation": None, "features": None,
    "classes": None,
}


@dataclass
class Model:
    metadata: dict
    tensors: dict[str, np.ndarray]  # dequantised float32, in tensor-index order
    dtypes: dict[str, str]  # name -> "f32" | "f16" | "bf16" | "int8"
    version: tuple[int, int] = BASE_VERSION
    optional_features: int = 0
    sections: list[Entry] = field(default_factory=list)
    index: list[TensorRecord] = field(default_factory=list)

    @property
    def data(self) -> dict:
        """The data description: metadata["data"], or what a file without one means."""
        data = self.metadata.get("data")
        return data if data is not None else copy.deepcopy(DEFAULT_DATA)


def align64(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def fail(rule: str, message: str) -> NoReturn:
    raise VaezError(rule, message)


# =============================================================================
# Reader
# =============================================================================


def read(source: "str | os.PathLike | bytes | bytearray | memoryview", limits: Limits | None = None) -> Model:
    """Validate a whole .vaez file in spec order and return the dequantised model."""
    data = _load(source)
    limits = limits or Limits()
    pre = _check_envelope(data)
    _check_header(data, pre, limits)
    entries = _check_section_table(data, pre)
    metadata_entry, index_entry = _core_sections(entries)
    metadata_raw = read_section(data, metadata_entry, limits.max_metadata_length)
    index_raw = read_section(data, index_entry, limits.max_tensor_index_length)
    index = parse_tensor_index(index_raw, entries, limits)
    metadata = parse_metadata(metadata_raw)
    check_shape_contract(metadata["architecture"], {t.name: t.dims for t in index})
    # Tensor data is read last, once the index has bounded the total size.
    tensors = {t.name: decode_tensor(t, read_section(data, t.section, limits.max_tensor_bytes)) for t in index}
    return Model(
        metadata=metadata,
        tensors=tensors,
        dtypes={t.name: t.dtype for t in index},
        version=(pre.version_major, pre.version_minor),
        optional_features=pre.optional_features,
        sections=entries,
        index=index,
    )


def verify(source, limits: Limits | None = None) -> None:
    """Raise VaezError with the first failing rule, or return None for a valid file."""
    read(source, limits)


def _load(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    return Path(source).read_bytes()


# --- steps 1-8: the envelope (preamble fields, length, footer) ----------------


def _check_envelope(data: bytes) -> Preamble:
    if len(data) < PREAMBLE_SIZE + FOOTER_SIZE:
        fail("too_short", f"{len(data)} bytes; a file has at least {PREAMBLE_SIZE + FOOTER_SIZE}")
    pre = Preamble.unpack(data)
    if pre.magic != MAGIC:
        fail("bad_magic", f"starts with {pre.magic.hex(' ')}, expected {MAGIC.hex(' ')}")
    if pre.version_major != VERSION[0]:
        fail("unsupported_version", f"version {pre.version_major}.{pre.version_minor}; this reader reads 1.x")
    if pre.required_features:
        fail("unknown_required_feature", f"required_features 0x{pre.required_features:016x}; v1 defines none")
    _check_file_length(data, pre)
    _check_footer(data)
    if any(pre.reserved):
        fail("reserved_nonzero", "preamble bytes 44..59 must be zero")
    return pre


def _check_file_length(data: bytes, pre: Preamble) -> None:
    if pre.file_length != len(data):
        fail("file_length_mismatch", f"file_length field says {pre.file_length}, file has {len(data)} bytes")
    # The footer must start on a 64-byte boundary, so a valid length is 64k + 40.
    if (pre.file_length - FOOTER_SIZE) % ALIGN:
        fail("file_length_mismatch", f"file_length {pre.file_length} puts the footer off a 64-byte boundary")


def _check_footer(data: bytes) -> None:
    footer = data[-FOOTER_SIZE:]
    if footer[32:] != END_MAGIC:
        fail("bad_end_magic", f"file ends with {footer[32:]!r}, expected {END_MAGIC!r}")
    if hashlib.sha256(data[:-FOOTER_SIZE]).digest() != footer[:32]:
        fail("sha256_mismatch", "SHA-256 of the file body does not match the footer")


# --- steps 9-10: section table header -------------------------------------------


def _check_header(data: bytes, pre: Preamble, limits: Limits) -> None:
    if pre.header_length != ENTRY_SIZE * pre.section_count:
        fail("header_invalid", f"header_length {pre.header_length} != 64 x section_count {pre.section_count}")
    # Checked before the fit below so an oversized table is never touched.
    if pre.header_length > limits.max_header_length:
        fail("header_too_large", f"header_length {pre.header_length} > limit {limits.max_header_length}")
    if PREAMBLE_SIZE + pre.header_length > len(data) - FOOTER_SIZE:
        fail("header_invalid", f"a {pre.header_length}-byte section table does not fit before the footer")
    if header_checksum(data, pre.header_length) != pre.header_checksum:
        fail("header_checksum_mismatch", "CRC-32 of preamble and section table does not match")


def header_checksum(data: bytes, header_length: int) -> int:
    crc = zlib.crc32(data[:HEADER_CHECKSUM_SPAN])
    return zlib.crc32(data[PREAMBLE_SIZE : PREAMBLE_SIZE + header_length], crc)


# --- step 11: section table entries, padding, unknown kinds ---------------------


def _check_section_table(data: bytes, pre: Preamble) -> list[Entry]:
    table_end = PREAMBLE_SIZE + pre.header_length
    footer_offset = len(data) - FOOTER_SIZE
    entries: list[Entry] = []
    seen_ids: set[int] = set()
    for i in range(pre.section_count):
        entry = Entry.unpack(data, PREAMBLE_SIZE + i * ENTRY_SIZE)
        prev_end = entries[-1].end if entries else table_end
        _check_entry(i, entry, prev_end, seen_ids, table_end, footer_offset)
        seen_ids.add(entry.id)
        entries.append(entry)
    _check_padding(data, entries, table_end, footer_offset)
    for i, entry in enumerate(entries):
        if entry.kind not in KIND_NAMES and entry.flags & FLAG_REQUIRED:
            fail("unknown_required_section", f"section #{i} (id {entry.id}) has unknown kind {entry.kind} and is required")
    return entries


def _check_entry(i: int, e: Entry, prev_end: int, seen_ids: set, table_end: int, footer_offset: int) -> None:
    where = f"section #{i} (id {e.id})"
    if e.reserved_byte or any(e.reserved_tail) or e.flags & ~FLAG_REQUIRED:
        fail("reserved_nonzero", f"{where}: reserved bytes or unknown flag bits set (flags 0x{e.flags:04x})")
    if e.codec not in CODEC_NAMES:
        fail("unknown_codec", f"{where}: codec {e.codec}")
    _check_filter(where, e)
    if e.offset % ALIGN:
        fail("section_misaligned", f"{where}: offset {e.offset} is not a multiple of 64")
    if e.offset < table_end or e.end > footer_offset:
        fail("section_out_of_bounds", f"{where}: bytes [{e.offset}, {e.end}) outside [{table_end}, {footer_offset})")
    if e.offset < prev_end:
        fail("section_overlap", f"{where}: offset {e.offset} < end {prev_end} of the previous entry")
    if e.id in seen_ids:
        fail("duplicate_section_id", f"{where}: id {e.id} already used")


def _check_filter(where: str, e: Entry) -> None:
    if e.filter not in FILTER_NAMES:
        fail("unknown_filter", f"{where}: filter {e.filter}")
    if e.filter == FILTER_SHUFFLE and e.element_size not in SHUFFLE_WIDTHS:
        fail("unknown_filter", f"{where}: byte_shuffle width {e.element_size} not in 1, 2, 4")
    if e.filter == FILTER_NONE and e.element_size != 0:
        fail("unknown_filter", f"{where}: element_size {e.element_size} without a filter")


def _check_padding(data: bytes, entries: list[Entry], table_end: int, footer_offset: int) -> None:
    cursor = table_end
    for entry in entries:
        _require_zero(data, cursor, entry.offset)
        cursor = entry.end
    _require_zero(data, cursor, footer_offset)


def _require_zero(data: bytes, start: int, stop: int) -> None:
    gap = data[start:stop]
    if gap.count(0) != len(gap):
        first = start + next(i for i, b in enumerate(gap) if b)
        fail("nonzero_padding", f"padding byte at offset {first} is 0x{data[first]:02x}")


# --- step 12: the two core sections -----------------------------------------------


def _core_sections(entries: list[Entry]) -> tuple[Entry, Entry]:
    found = []
    for kind in (KIND_METADATA, KIND_TENSOR_INDEX):
        matches = [e for e in entries if e.kind == kind]
        if not matches:
            fail("missing_section", f"no {KIND_NAMES[kind]} section")
        if len(matches) > 1:
            fail("duplicate_section", f"{len(matches)} {KIND_NAMES[kind]} sections (ids {[e.id for e in matches]})")
        found.append(matches[0])
    return found[0], found[1]


# --- step 13: reading one section ------------------------------------------------


def read_section(data: bytes, e: Entry, limit: int) -> bytes:
    """Return a section's raw bytes: CRC, length/frame checks, limit, decompress, unshuffle."""
    where = f"section id {e.id} ({e.kind_name})"
    stored = data[e.offset : e.end]
    if zlib.crc32(stored) != e.checksum:
        fail("section_checksum_mismatch", f"{where}: CRC-32 of stored bytes does not match")
    if e.codec == CODEC_NONE and e.stored_length != e.raw_length:
        fail("section_length_mismatch", f"{where}: stored_length {e.stored_length} != raw_length {e.raw_length}")
    if e.codec == CODEC_ZSTD:
        _check_frame_header(where, stored, e.raw_length)
    if e.raw_length > limit:
        fail("limit_exceeded", f"{where}: raw_length {e.raw_length} > limit {limit}")
    raw = _zstd_decompress(where, stored, e.raw_length) if e.codec == CODEC_ZSTD else stored
    if e.filter == FILTER_SHUFFLE:
        if e.raw_length % e.element_size:
            fail("section_length_mismatch", f"{where}: raw_length {e.raw_length} not a multiple of {e.element_size}")
        raw = unshuffle(raw, e.element_size)
    return raw


def _check_frame_header(where: str, stored: bytes, raw_length: int) -> None:
    # The declared size is trusted for the limit check, so it must be present and exact.
    if stored[:4] != ZSTD_FRAME_MAGIC:
        fail("frame_content_size_mismatch", f"{where}: stored bytes do not start with a zstd frame")
    try:
        size = zstandard.frame_content_size(stored)
    except zstandard.ZstdError:
        fail("frame_content_size_mismatch", f"{where}: unreadable zstd frame header")
    if size < 0:
        fail("frame_content_size_mismatch", f"{where}: zstd frame header has no content size")
    if size != raw_length:
        fail("frame_content_size_mismatch", f"{where}: frame content size {size} != raw_length {raw_length}")


def _zstd_decompress(where: str, stored: bytes, raw_length: int) -> bytes:
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    try:
        raw = decompressor.decompress(stored)
    except zstandard.ZstdError as exc:
        fail("decompression_failed", f"{where}: {exc}")
    # Exactly one frame: it must end, and end exactly at the end of the stored bytes.
    if not decompressor.eof:
        fail("decompression_failed", f"{where}: zstd frame is truncated")
    if decompressor.unused_data:
        fail("decompression_failed", f"{where}: {len(decompressor.unused_data)} bytes after the zstd frame")
    if len(raw) != raw_length:
        fail("decompression_failed", f"{where}: decompressed {len(raw)} bytes, expected {raw_length}")
    return raw


def shuffle(raw: bytes, width: int) -> bytes:
    """Byte shuffle: shuffled[j*n + i] = raw[i*width + j], n = len(raw) / width."""
    if width <= 1:
        return bytes(raw)
    return np.frombuffer(raw, np.uint8).reshape(-1, width).T.tobytes()


def unshuffle(shuffled: bytes, width: int) -> bytes:
    if width <= 1:
        return bytes(shuffled)
    return np.frombuffer(shuffled, np.uint8).reshape(width, -1).T.tobytes()


# --- step 14: tensor index ---------------------------------------------------------


class _Cursor:
    """Little-endian reads over the tensor index; running out is tensor_index_invalid."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.raw):
            fail("tensor_index_invalid", f"truncated: needs {n} bytes at offset {self.pos} of {len(self.raw)}")
        chunk = self.raw[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "little")


@dataclass(frozen=True)
class _RawTensor:
    name: bytes
    dtype: int
    rank: int
    section_id: int
    dims: tuple[int, ...]


def parse_tensor_index(raw: bytes, entries: list[Entry], limits: Limits) -> list[TensorRecord]:
    raw_tensors = _parse_index_structure(raw)
    if len(raw_tensors) > limits.max_tensors:
        fail("too_many_tensors", f"{len(raw_tensors)} tensors > limit {limits.max_tensors}")
    by_id = {e.id: e for e in entries}
    records: list[TensorRecord] = []
    referenced: set[int] = set()
    for i, rt in enumerate(raw_tensors):
        records.append(_check_tensor(i, rt, records, by_id, referenced))
        referenced.add(rt.section_id)
    for e in entries:
        if e.kind == KIND_TENSOR_DATA and e.id not in referenced:
            fail("unknown_section_ref", f"tensor_data section id {e.id} is not referenced by any tensor")
    total = sum(r.section.raw_length for r in records)
    if total > limits.max_tensor_bytes:
        fail("limit_exceeded", f"total raw tensor bytes {total} > limit {limits.max_tensor_bytes}")
    return records


def _parse_index_structure(raw: bytes) -> list[_RawTensor]:
    cur = _Cursor(raw)
    count = cur.uint(4)
    tensors = []
    for _ in range(count):  # bounded: every entry consumes at least 8 bytes
        name = cur.take(cur.uint(2))
        dtype, rank, section_id = cur.uint(1), cur.uint(1), cur.uint(4)
        dims = tuple(cur.uint(8) for _ in range(rank))
        tensors.append(_RawTensor(name, dtype, rank, section_id, dims))
    if cur.pos != len(raw):
        fail("tensor_index_invalid", f"{len(raw) - cur.pos} trailing bytes after {count} tensors")
    return tensors


def _check_tensor(i: int, rt: _RawTensor, records: list, by_id: dict, referenced: set) -> TensorRecord:
    name = _tensor_name(i, rt.name)
    if any(r.name == name for r in records):
        fail("duplicate_tensor_name", f"tensor #{i}: name {name!r} used twice")
    if rt.dtype not in DTYPE_NAMES:
        fail("unknown_dtype", f"{name}: dtype {rt.dtype}")
    if not 1 <= rt.rank <= MAX_RANK:
        fail("bad_rank", f"{name}: rank {rt.rank} not in 1..{MAX_RANK}")
    if 0 in rt.dims:
        fail("bad_dims", f"{name}: dims {list(rt.dims)} contain 0")
    section = by_id.get(rt.section_id)
    if section is None or section.kind != KIND_TENSOR_DATA:
        fail("unknown_section_ref", f"{name}: section id {rt.section_id} is not a tensor_data section")
    if rt.section_id in referenced:
        fail("unknown_section_ref", f"{name}: section id {rt.section_id} is already used by another tensor")
    dtype = DTYPE_NAMES[rt.dtype]
    expected = tensor_byte_size(dtype, rt.dims)
    if expected > U64_MAX or expected != section.raw_length:
        fail("tensor_size_mismatch",
             f"{name}: {dtype} {list(rt.dims)} needs {expected} bytes, section has {section.raw_length}")
    return TensorRecord(name, dtype, rt.dims, section)


def _tensor_name(i: int, raw_name: bytes) -> str:
    if not 1 <= len(raw_name) <= MAX_NAME_LENGTH:
        fail("bad_tensor_name", f"tensor #{i}: name length {len(raw_name)} not in 1..{MAX_NAME_LENGTH}")
    try:
        return raw_name.decode("utf-8")
    except UnicodeDecodeError:
        fail("bad_tensor_name", f"tensor #{i}: name is not valid UTF-8")


def tensor_byte_size(dtype: str, dims: tuple[int, ...]) -> int:
    """Exact byte count; callers compare against U64_MAX to detect u64 overflow.

    All factors are >= 1, so the exact product exceeds 2^64-1 exactly when a
    64-bit overflow-checked product would have overflowed at some step.
    """
    count = math.prod(dims)
    if dtype == "int8":
        return count + 4 * dims[0]  # int8 values, then one f32 scale per row
    return count * ELEMENT_SIZE[dtype]


# --- step 15: metadata ---------------------------------------------------------------


def _number(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _integer(v) -> bool:
    # 10, 10.0 and 1e1 are all the integer ten, as for a JSON parser that reads doubles.
    return _number(v) and float(v).is_integer() and abs(v) <= MAX_SAFE_INTEGER


def _size(v) -> bool:
    return _integer(v) and 1 <= v <= MAX_ARCH_SIZE


def _string(v) -> bool:
    return isinstance(v, str)


def _nullable(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


_CREATED_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


def _created(v) -> bool:
    if not isinstance(v, str) or not _CREATED_PATTERN.fullmatch(v):
        return False
    try:
        dt.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _sizes(v) -> bool:
    return isinstance(v, list) and all(_size(x) for x in v)


def _numbers(v) -> bool:
    return isinstance(v, list) and all(_number(x) for x in v)


def _positive(v) -> bool:
    return _number(v) and v > 0


def _positives(v) -> bool:
    return isinstance(v, list) and all(_positive(x) for x in v)


def _strings(v) -> bool:
    return isinstance(v, list) and all(_string(x) for x in v)


def _one_of(*names: str) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and v in names


@dataclass(frozen=True)
class OptionalObject:
    """A schema object that may be absent (a key a minor version added); its own keys are required when present."""

    schema: dict


@dataclass(frozen=True)
class NullableObject:
    """A schema object that may be null."""

    schema: dict


# training.dataset.source (1.1): provenance; only the types are checked.
SOURCE_SCHEMA: dict = {
    "format": (_string, "string"),
    "path": (_string, "string"),
    "test_path": (_nullable(_string), "string or null"),
    "test_fraction": (_nullable(_number), "number or null"),
    "split_seed": (_nullable(_integer), "integer or null"),
    "label_column": (_nullable(_string), "string or null"),
    "resize": (_nullable(lambda v: _sizes(v) and len(v) == 2), "[height, width] of integers in 1..2^31-1 or null"),
    "channels": (_nullable(_integer), "integer or null"),
}

# data (1.1): what the model's values are (Formats/vaez.md section 6.1.1).
DATA_SCHEMA: dict = {
    "kind": (_one_of("image", "table"), '"image" or "table"'),
    "likelihood": (_one_of("bernoulli", "gaussian"), '"bernoulli" or "gaussian"'),
    "variance": (_nullable(_positive), "number > 0 or null"),
    "normalisation": NullableObject({
        "mean": (_numbers, "array of numbers"),
        "std": (_positives, "array of numbers > 0"),
    }),
    "features": (_nullable(_strings), "array of strings or null"),
    "classes": (_nullable(lambda v: _strings(v) and len(v) <= MAX_CLASSES),
                f"array of at most {MAX_CLASSES} strings or null"),
}

# The output activation each likelihood goes with.
LIKELIHOOD_ACTIVATION = {"bernoulli": "sigmoid", "gaussian": "identity"}

# Leaves are (check, description); nested dicts are JSON objects. Checked in this order.
METADATA_SCHEMA: dict = {
    "architecture": {
        "kind": (lambda v: v in ("vae", "ae") and isinstance(v, str), '"vae" or "ae"'),
        "input": {
            "height": (_size, "integer in 1..2^31-1"),
            "width": (_size, "integer in 1..2^31-1"),
            "channels": (_size, "integer in 1..2^31-1"),
        },
        "hidden": (_sizes, "array of integers in 1..2^31-1"),
        "z_dim": (_size, "integer in 1..2^31-1"),
        "activation": (_string, "string"),
        "output_activation": (_string, "string"),
    },
    "training": {
        "dataset": {
            "name": (_nullable(_string), "string or null"),
            "sha256": (_nullable(_string), "string or null"),
            "source": OptionalObject(SOURCE_SCHEMA),
        },
        "class": (_nullable(_integer), "integer or null"),
        "noise": (_nullable(_number), "number or null"),
        "epochs": (_nullable(_integer), "integer or null"),
        "batch_size": (_nullable(_integer), "integer or null"),
        "lr": (_nullable(_number), "number or null"),
        "seed": (_nullable(_integer), "integer or null"),
        "final_train_loss": (_nullable(_number), "number or null"),
        "final_test_loss": (_nullable(_number), "number or null"),
        "seconds": (_nullable(_number), "number or null"),
        "threads": (_nullable(_integer), "integer or null"),
    },
    "latent": {
        "mean": (_numbers, "array of z_dim numbers"),
        "std": (_numbers, "array of z_dim numbers"),
    },
    "producer": {
        "name": (_string, "string"),
        "version": (_string, "string"),
        "git_commit": (_nullable(_string), "string or null"),
    },
    "created": (_created, 'RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ"'),
    "data": OptionalObject(DATA_SCHEMA),
}


def parse_metadata(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail("metadata_invalid", f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        obj = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        fail("metadata_invalid", f"not JSON: {str(exc)[:200]}")
    if not isinstance(obj, dict):
        fail("metadata_invalid", f"top level is a JSON {type(obj).__name__}, not an object")
    _check_json_tree(obj, "", 1)
    check_metadata(obj)
    return obj


def _check_json_tree(value, path: str, depth: int) -> None:
    """Rules for the whole document, extra keys included, so that every JSON parser agrees:
    nesting depth <= 64, strings without lone surrogates, numbers finite as doubles."""
    if isinstance(value, (dict, list)) and depth > MAX_JSON_DEPTH:
        fail("metadata_invalid", f"{path or 'top level'}: nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json_string(key, path + key)
            _check_json_tree(item, f"{path}{key}.", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_tree(item, f"{path}[{i}].", depth + 1)
    elif isinstance(value, str):
        _check_json_string(value, path.rstrip("."))
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and not _number(value):
        fail("metadata_invalid", f"{path.rstrip('.')}: number out of double range")


def _check_json_string(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        fail("metadata_invalid", f"{path}: string holds an unpaired surrogate escape")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list) -> dict:
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def check_metadata(obj: dict) -> None:
    """Required keys and types, then the cross-field rules (input size, latent length, the data description)."""
    _check_schema(obj, METADATA_SCHEMA, "")
    arch = obj["architecture"]
    inp = arch["input"]
    if inp["height"] * inp["width"] * inp["channels"] > MAX_ARCH_SIZE:
        fail("metadata_invalid", "architecture.input: height*width*channels > 2^31-1")
    for key in ("mean", "std"):
        if len(obj["latent"][key]) != arch["z_dim"]:
            fail("metadata_invalid", f"latent.{key}: {len(obj['latent'][key])} values, z_dim is {arch['z_dim']}")
    if "data" in obj:
        _check_data(obj["data"], arch)


def _check_data(data: dict, arch: dict) -> None:
    """The cross-field rules of `data`, in spec order; the messages are the Swift reader's, word for word."""
    inp = arch["input"]
    height, width, channels = (int(inp[k]) for k in ("height", "width", "channels"))
    if data["kind"] == "table" and (height != 1 or channels != 1):
        fail("metadata_invalid", f"data.kind: a table needs architecture.input height 1 and channels 1, "
                                 f"found {height}x{width}x{channels}")
    likelihood, activation = data["likelihood"], arch["output_activation"]
    if activation != LIKELIHOOD_ACTIVATION[likelihood]:
        fail("metadata_invalid", f'data.likelihood: "{likelihood}" needs architecture.output_activation '
                                 f'"{LIKELIHOOD_ACTIVATION[likelihood]}", found {_short(activation)}')
    if likelihood == "gaussian" and data["variance"] is None:
        fail("metadata_invalid", "data.variance: a gaussian likelihood needs a variance, found null")
    if likelihood == "bernoulli" and data["variance"] is not None:
        fail("metadata_invalid", f"data.variance: a bernoulli likelihood has no variance (null), "
                                 f"found {_short(data['variance'])}")
    size = height * width * channels
    lists = [(f"normalisation.{k}", data["normalisation"][k]) for k in ("mean", "std")] if data["normalisation"] else []
    for key, values in lists + [("features", data["features"])]:
        if values is not None and len(values) != size:
            fail("metadata_invalid", f"data.{key}: has {len(values)} values, the input has {size} "
                                     f"(height x width x channels)")


def _check_schema(obj: dict, schema: dict, prefix: str) -> None:
    for key, rule in schema.items():
        path = prefix + key
        if key not in obj:
            if isinstance(rule, OptionalObject):
                continue
            fail("metadata_invalid", f"{path}: required key missing")
        value = obj[key]
        if isinstance(rule, NullableObject) and value is None:
            continue
        if isinstance(rule, (dict, OptionalObject, NullableObject)):
            if not isinstance(value, dict):
                nullable = " or null" if isinstance(rule, NullableObject) else ""
                fail("metadata_invalid", f"{path}: expected object{nullable}, got {_short(value)}")
            _check_schema(value, rule if isinstance(rule, dict) else rule.schema, path + ".")
        elif not rule[0](value):
            fail("metadata_invalid", f"{path}: expected {rule[1]}, got {_short(value)}")


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


# --- step 16: shape contract -----------------------------------------------------------


def expected_tensor_names(arch: dict) -> dict[str, tuple[int, ...]]:
    """The shape contract: tensor name -> shape, in writer (contract) order."""
    inp = arch["input"]
    d = int(inp["height"]) * int(inp["width"]) * int(inp["channels"])
    hidden = [int(h) for h in arch["hidden"]]
    z = int(arch["z_dim"])
    shapes: dict[str, tuple[int, ...]] = {}
    prev = d
    for i, h in enumerate(hidden):
        shapes[f"encoder.{i}.weight"], shapes[f"encoder.{i}.bias"] = (h, prev), (h,)
        prev = h
    heads = ("mu", "logvar") if arch["kind"] == "vae" else ("mu",)
    for head in heads:
        shapes[f"{head}.weight"], shapes[f"{head}.bias"] = (z, prev), (z,)
    sizes = [z, *reversed(hidden), d]
    for j in range(len(sizes) - 1):
        shapes[f"decoder.{j}.weight"], shapes[f"decoder.{j}.bias"] = (sizes[j + 1], sizes[j]), (sizes[j + 1],)
    return shapes


def check_shape_contract(arch: dict, shapes: dict[str, tuple[int, ...]]) -> None:
    expected = expected_tensor_names(arch)
    for name, shape in shapes.items():
        if name not in expected:
            fail("shape_contract", f"{name}: unexpected tensor {list(shape)} for a {arch['kind']} of this architecture")
        if tuple(shape) != expected[name]:
            fail("shape_contract", f"{name}: expected shape {list(expected[name])}, found {list(shape)}")
    for name, shape in expected.items():
        if name not in shapes:
            fail("shape_contract", f"{name}: missing, expected shape {list(shape)}")


# --- tensor decoding ----------------------------------------------------------------------


def decode_tensor(record: TensorRecord, raw: bytes) -> np.ndarray:
    """Dequantise to float32 exactly as the spec says (f16/bf16 exact, int8 q * scale in f32)."""
    if record.dtype == "f32":
        values = np.frombuffer(raw, "<f4").astype(np.float32)
    elif record.dtype == "f16":
        values = np.frombuffer(raw, "<f2").astype(np.float32)
    elif record.dtype == "bf16":
        values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    else:
        values = _dequantise_int8(raw, record.dims)
    return values.reshape(record.dims)


def _dequantise_int8(raw: bytes, dims: tuple[int, ...]) -> np.ndarray:
    count, rows = math.prod(dims), dims[0]
    q = np.frombuffer(raw, np.int8, count=count).reshape(rows, -1)
    scales = np.frombuffer(raw, "<f4", count=rows, offset=count).astype(np.float32)
    return (q.astype(np.float32) * scales[:, None]).astype(np.float32)


# =============================================================================
# Writer
# =============================================================================


@dataclass
class Payload:
    """A section ready to be laid out: its stored bytes and table fields."""

    kind: int
    stored: bytes
    raw_length: int
    codec: int = CODEC_NONE
    filter: int = FILTER_NONE
    element_size: int = 0
    flags: int = FLAG_REQUIRED
    id: int | None = None  # None: assigned in table order, starting at 1


def zstd_compress(raw: bytes) -> bytes:
    # One frame with the content size; no checksum (the section CRC covers it), no dict id.
    compressor = zstandard.ZstdCompressor(
        level=ZSTD_LEVEL, write_content_size=True, write_checksum=False, write_dict_id=False
    )
    return compressor.compress(raw)


def encode_section(
    kind: int, raw: bytes, shuffle_width: int = 0, codec: int | None = None, flags: int = FLAG_REQUIRED
) -> Payload:
    """Apply the writer policy: shuffle + zstd if that saves >= 5%, else store raw unfiltered.

    `codec` forces CODEC_NONE or CODEC_ZSTD (used to build test vectors).
    """
    filtered = shuffle(raw, shuffle_width) if shuffle_width else raw
    frame = zstd_compress(filtered) if codec != CODEC_NONE else b""
    compress = codec == CODEC_ZSTD or (codec is None and 20 * len(frame) <= 19 * len(raw))
    if not compress:
        return Payload(kind, bytes(raw), len(raw), flags=flags)
    filt = FILTER_SHUFFLE if shuffle_width else FILTER_NONE
    return Payload(kind, frame, len(raw), CODEC_ZSTD, filt, shuffle_width, flags)


def pack_entry(payload: Payload, section_id: int, offset: int) -> bytes:
    return ENTRY.pack(
        section_id, payload.kind, payload.flags, payload.codec, payload.filter, payload.element_size, 0,
        zlib.crc32(payload.stored), offset, len(payload.stored), payload.raw_length, bytes(24),
    )


def assemble(
    payloads: list[Payload],
    version: tuple[int, int] = BASE_VERSION,
    required_features: int = 0,
    optional_features: int = 0,
    gap: int = 0,
) -> bytes:
    """Lay sections out canonically (each at the next 64-byte boundary) and seal the file.

    `gap` inserts that many extra zero bytes (a multiple of 64) before every section
    and before the footer: a valid but non-canonical layout, for test vectors.
    """
    header_length = ENTRY_SIZE * len(payloads)
    offset = align64(PREAMBLE_SIZE + header_length)
    table, offsets = [], []
    for i, payload in enumerate(payloads):
        offset += gap
        section_id = payload.id if payload.id is not None else i + 1
        table.append(pack_entry(payload, section_id, offset))
        offsets.append(offset)
        offset = align64(offset + len(payload.stored))
    footer_offset = offset + gap
    body = bytearray(footer_offset)
    body[PREAMBLE_SIZE : PREAMBLE_SIZE + header_length] = b"".join(table)
    for payload, at in zip(payloads, offsets):
        body[at : at + len(payload.stored)] = payload.stored
    pack_preamble(body, version, len(payloads), required_features, optional_features, footer_offset + FOOTER_SIZE)
    return seal(body)


def pack_preamble(body: bytearray, version, count: int, required: int, optional: int, file_length: int) -> None:
    header_length = ENTRY_SIZE * count
    body[:PREAMBLE_SIZE] = PREAMBLE.pack(
        MAGIC, version[0], version[1], count, required, optional, file_length, header_length, bytes(16), 0
    )
    struct.pack_into("<I", body, HEADER_CHECKSUM_SPAN, header_checksum(bytes(body), header_length))


def seal(body: bytes) -> bytes:
    """Append the footer: SHA-256 of everything before it, then the end magic."""
    return bytes(body) + hashlib.sha256(body).digest() + END_MAGIC


# --- tensors --------------------------------------------------------------------------


def tensor_dtype(file_dtype: str, ndim: int) -> str:
    """int8 files keep 1-D (bias) tensors in f32; other files use one dtype throughout."""
    return "f32" if file_dtype == "int8" and ndim == 1 else file_dtype


def encode_tensor(values: np.ndarray, dtype: str) -> bytes:
    values = np.ascontiguousarray(values, dtype=np.float32)
    if dtype == "f32":
        return values.astype("<f4").tobytes()
    if dtype == "f16":
        return values.astype("<f2").tobytes()  # numpy rounds to nearest even
    if dtype == "bf16":
        return to_bf16_bits(values).astype("<u2").tobytes()
    q, scales = quantise_int8(values)
    return q.tobytes() + scales.astype("<f4").tobytes()


def to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """Round float32 to bfloat16 bits, nearest even; NaN stays NaN (quiet bit set)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).reshape(-1).view(np.uint32)
    lsb = (bits >> 16) & 1
    rounded = (bits + np.uint32(0x7FFF) + lsb) >> 16  # wraps only for NaNs, replaced below
    quiet_nan = (bits >> 16) | 0x0040
    return np.where(np.isnan(values.reshape(-1)), quiet_nan, rounded).astype(np.uint16)


def quantise_int8(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-row int8: scale = max|row| / 127 in float32, q = rint(x / scale)."""
    rows = np.asarray(values, dtype=np.float32).reshape(values.shape[0], -1)
    if not np.isfinite(rows).all():
        raise ValueError("int8 quantisation needs finite values")
    peak = np.max(np.abs(rows), axis=1)
    scales = (peak / np.float32(127)).astype(np.float32)
    # A zero scale (all-zero row, or a subnormal peak that underflows) would divide by 0.
    scales[scales == 0] = np.float32(1)
    q = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return q, scales


# --- metadata ----------------------------------------------------------------------------


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default)


def _json_default(value):
    # numpy scalars and arrays show up naturally in metadata built from training code.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def format_created(when: "int | dt.datetime") -> str:
    if isinstance(when, int):
        when = dt.datetime.fromtimestamp(when, dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_created(explicit: "int | str | dt.datetime | None", existing: Any) -> str:
    """created = explicit argument, else SOURCE_DATE_EPOCH, else the metadata's own, else now."""
    if isinstance(explicit, str):
        return explicit
    if explicit is not None:
        return format_created(explicit)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return format_created(int(epoch))
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a valid Unix time") from None
    if existing is not None:
        return existing
    return format_created(dt.datetime.now(dt.timezone.utc))


def encode_metadata(metadata: dict, created=None) -> bytes:
    """Canonical JSON bytes, validated with the reader's own rules."""
    meta = dict(metadata)
    meta["created"] = resolve_created(created, meta.get("created"))
    try:
        raw = canonical_json(meta).encode("utf-8")
    except (TypeError, ValueError) as exc:
        fail("metadata_invalid", f"cannot encode as canonical JSON: {exc}")
    parse_metadata(raw)
    return raw


# --- whole files ---------------------------------------------------------------------------


def to_bytes(metadata: dict, tensors: dict[str, np.ndarray], dtype: str = "f32", created=None) -> bytes:
    """Encode a model; raises VaezError (metadata_invalid / shape_contract) for invalid input."""
    return assemble(model_payloads(metadata, tensors, dtype, created), version=format_version(metadata))


def format_version(metadata: dict) -> tuple[int, int]:
    """The lowest version that covers the metadata: 1.1 when it has `data`, else 1.0 (Formats/vaez.md section 13)."""
    return VERSION if "data" in metadata else BASE_VERSION


def model_payloads(metadata: dict, tensors: dict[str, np.ndarray], dtype: str = "f32", created=None) -> list[Payload]:
    """The canonical sections: metadata (id 1), tensor_index (id 2), tensor data (ids 3..)."""
    if dtype not in DTYPE_CODES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPE_CODES)}, not {dtype!r}")
    metadata_raw = encode_metadata(metadata, created)
    arch = json.loads(metadata_raw)["architecture"]
    check_shape_contract(arch, {name: tuple(np.shape(t)) for name, t in tensors.items()})
    payloads = [encode_section(KIND_METADATA, metadata_raw)]
    index = []
    # Contract order makes the bytes independent of the caller's dict order.
    for section_id, name in enumerate(expected_tensor_names(arch), start=3):
        values = np.asarray(tensors[name])
        tdtype = tensor_dtype(dtype, values.ndim)
        width = ELEMENT_SIZE.get(tdtype, 0)  # int8 is not shuffled
        payloads.append(encode_section(KIND_TENSOR_DATA, encode_tensor(values, tdtype), width))
        index.append((name, tdtype, values.shape, section_id))
    payloads.insert(1, encode_section(KIND_TENSOR_INDEX, pack_tensor_index(index)))
    for section_id, payload in enumerate(payloads, start=1):
        payload.id = section_id
    return payloads


def pack_tensor_index(tensors: list[tuple]) -> bytes:
    """tensors: (name, dtype, dims, section_id); name may be str or raw bytes, dtype a name or code."""
    out = bytearray(struct.pack("<I", len(tensors)))
    for name, dtype, dims, section_id in tensors:
        name_bytes = name.encode("utf-8") if isinstance(name, str) else name
        code = DTYPE_CODES.get(dtype, dtype)
        out += struct.pack("<H", len(name_bytes)) + name_bytes
        out += struct.pack("<BBI", code, len(dims), section_id)
        out += b"".join(struct.pack("<Q", d) for d in dims)
    return bytes(out)


def write(
    path: "str | os.PathLike", metadata: dict, tensors: dict[str, np.ndarray], dtype: str = "f32", created=None
) -> None:
    """Write a .vaez file atomically: temp file in the same directory, fsync, rename."""
    data = to_bytes(metadata, tensors, dtype, created)
    atomic_write(path, lambda f: f.write(data))


def atomic_write(path: "str | os.PathLike", write_fn: Callable) -> None:
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    # Makes the rename durable; not every platform lets a directory be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# =============================================================================
# safetensors (written and read by hand: no extra dependency)
# =============================================================================

SAFETENSORS_DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2), "F64": ("<f8", 8)}
MAX_SAFETENSORS_HEADER = 100 << 20


def safetensors_bytes(tensors: dict[str, np.ndarray], metadata: dict | None) -> bytes:
    """u64 header length, JSON header (F32 entries with data_offsets), then the data."""
    header: dict = {}
    if metadata is not None:
        header["__metadata__"] = {"format": "pt", "vaez": canonical_json(metadata)}
    chunks, offset = [], 0
    for name, values in tensors.items():
        data = np.ascontiguousarray(values, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(values)), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned, as the reference library does
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def read_safetensors(path: "str | os.PathLike") -> tuple[dict[str, np.ndarray], dict | None]:
    """Return (float32 tensors in file order, __metadata__ or None). Raises ValueError."""
    data = Path(path).read_bytes()
    header, base = _safetensors_header(data)
    metadata = header.pop("__metadata__", None)
    tensors = {name: _safetensors_tensor(name, info, data, base) for name, info in header.items()}
    return tensors, metadata


def _safetensors_header(data: bytes) -> tuple[dict, int]:
    if len(data) < 8:
        raise ValueError("not a safetensors file: shorter than 8 bytes")
    (length,) = struct.unpack_from("<Q", data)
    if length > min(len(data) - 8, MAX_SAFETENSORS_HEADER):
        raise ValueError(f"not a safetensors file: header length {length} does not fit")
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"safetensors header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors header is not a JSON object")
    return header, 8 + length


def _safetensors_tensor(name: str, info: Any, data: bytes, base: int) -> np.ndarray:
    if not isinstance(info, dict) or info.get("dtype") not in SAFETENSORS_DTYPES:
        raise ValueError(f"safetensors tensor {name!r}: unsupported entry or dtype (F32, F16, BF16, F64 are read)")
    shape, offsets = info.get("shape"), info.get("data_offsets")
    if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise ValueError(f"safetensors tensor {name!r}: bad shape {shape!r}")
    code, size = SAFETENSORS_DTYPES[info["dtype"]]
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
        raise ValueError(f"safetensors tensor {name!r}: bad data_offsets {offsets!r}")
    begin, end = offsets
    if not 0 <= begin <= end <= len(data) - base or end - begin != math.prod(shape) * size:
        raise ValueError(f"safetensors tensor {name!r}: data_offsets {offsets} do not match shape {shape}")
    raw = np.frombuffer(data, code, count=math.prod(shape), offset=base + begin)
    if info["dtype"] == "BF16":
        raw = (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.astype(np.float32).reshape(shape)


# --- importing foreign names ------------------------------------------------------------

# pytorch/examples vae/main.py
PYTORCH_EXAMPLES_NAMES = {"fc1": "encoder.0", "fc21": "mu", "fc22": "logvar", "fc3": "decoder.0", "fc4": "decoder.1"}
# the seed project's three-hidden-layer VAE
SEED_NAMES = {
    "fc1": "encoder.0", "fc2": "encoder.1", "fc3": "encoder.2", "fc41": "mu", "fc42": "logvar",
    "fc5": "decoder.0", "fc6": "decoder.1", "fc7": "decoder.2", "fc8": "decoder.3",
}
OUR_PREFIXES = ("encoder.", "mu.", "logvar.", "decoder.")


def rename_tensors(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map pytorch/examples or seed-project names to ours ("fc3" differs, so detect the scheme)."""
    names = list(tensors)
    if all(n.startswith(OUR_PREFIXES) for n in names):
        return dict(tensors)
    layers = {n.rsplit(".", 1)[0] for n in names}
    if layers & {"fc21", "fc22"}:
        mapping = PYTORCH_EXAMPLES_NAMES
    elif layers & {"fc41", "fc42"}:
        mapping = SEED_NAMES
    else:
        first = names[0] if names else "none"
        raise ValueError(f"unrecognised tensor names (first: {first}); expected ours, pytorch/examples or seed names")
    renamed = {}
    for name, values in tensors.items():
        layer, _, param = name.rpartition(".")
        if layer not in mapping or param not in ("weight", "bias"):
            raise ValueError(f"tensor {name!r} has no counterpart in the vaez shape contract")
        renamed[f"{mapping[layer]}.{param}"] = values
    return renamed


def infer_architecture(shapes: dict[str, tuple], known_input: dict | None = None) -> dict:
    """Architecture from tensor shapes; the input geometry is only guessable for D = 784."""
    if "mu.weight" not in shapes or len(shapes["mu.weight"]) != 2:
        raise ValueError("cannot infer the architecture: no 2-D mu.weight tensor")
    hidden = []
    while f"encoder.{len(hidden)}.weight" in shapes:
        hidden.append(int(shapes[f"encoder.{len(hidden)}.weight"][0]))
    d = int(shapes["encoder.0.weight"][1] if hidden else shapes["mu.weight"][1])
    if known_input is None:
        if d != 784:
            raise ValueError(f"cannot infer the input shape for input size {d} (only 784 = 28x28x1); "
                             "pass --metadata with architecture.input")
        known_input = {"height": 28, "width": 28, "channels": 1}
    return {
        "kind": "vae" if "logvar.weight" in shapes else "ae",
        "input": known_input,
        "hidden": hidden,
        "z_dim": int(shapes["mu.weight"][0]),
        "activation": "relu",  # what both known sources use; not recorded in their weights
        "output_activation": "sigmoid",
    }


def import_defaults(z_dim: int) -> dict:
    """Values for required keys an import cannot know: null where allowed, else a neutral value."""
    return {
        "training": {
            "dataset": {"name": None, "sha256": None},
            "class": None, "noise": None, "epochs": None, "batch_size": None, "lr": None, "seed": None,
            "final_train_loss": None, "final_test_loss": None, "seconds": None, "threads": None,
        },
        "latent": {"mean": [0.0] * z_dim, "std": [1.0] * z_dim},  # the prior N(0, I)
        "producer": {"name": TOOL_NAME, "version": TOOL_VERSION, "git_commit": None},
    }


def fill_defaults(primary: dict, defaults: dict) -> dict:
    """Deep merge: keys in `primary` win; missing keys come from `defaults`."""
    merged = dict(primary)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = fill_defaults(merged[key], value)
    return merged


def complete_metadata(metadata: dict, shapes: dict[str, tuple]) -> dict:
    arch = metadata.get("architecture")
    arch = dict(arch) if isinstance(arch, dict) else {}
    if any(key not in arch for key in METADATA_SCHEMA["architecture"]):
        arch = fill_defaults(arch, infer_architecture(shapes, arch.get("input")))
    z_dim = arch["z_dim"] if _size(arch.get("z_dim")) else 0
    return fill_defaults({**metadata, "architecture": arch}, import_defaults(int(z_dim)))


def import_safetensors(source, target, dtype: str = "f32", metadata_path=None) -> None:
    tensors, st_metadata = read_safetensors(source)
    tensors = rename_tensors(tensors)
    metadata = _given_metadata(metadata_path, st_metadata)
    metadata = complete_metadata(metadata, {n: t.shape for n, t in tensors.items()})
    write(target, metadata, tensors, dtype)


def _given_metadata(metadata_path, st_metadata: dict | None) -> dict:
    """--metadata wins; else the vaez metadata embedded by to-safetensors; else nothing."""
    if metadata_path is not None:
        try:
            meta = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{metadata_path}: not JSON: {exc}") from None
    elif isinstance(st_metadata, dict) and isinstance(st_metadata.get("vaez"), str):
        try:
            meta = json.loads(st_metadata["vaez"])
        except json.JSONDecodeError as exc:
            raise ValueError(f"embedded vaez metadata is not JSON: {exc}") from None
    else:
        return {}
    if not isinstance(meta, dict):
        raise ValueError("metadata must be a JSON object")
    return meta


# =============================================================================
# CLI
# =============================================================================


def _cmd_verify(args) -> int:
    try:
        verify(args.file)
    except VaezError as exc:
        print(f"{args.file}: {exc.rule}: {exc.message}", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    return 0


def describe(model: Model, path: str) -> dict:
    """The inspect --json document."""
    return {
        "file": path,
        "version": f"{model.version[0]}.{model.version[1]}",
        "optional_features": model.optional_features,
        "sections": [_describe_entry(e) for e in model.sections],
        "tensors": [
            {"name": t.name, "dtype": t.dtype, "shape": list(t.dims), "section": t.section.id,
             "codec": CODEC_NAMES[t.section.codec], "stored_length": t.section.stored_length,
             "raw_length": t.section.raw_length}
            for t in model.index
        ],
        "metadata": model.metadata,
    }


def _describe_entry(e: Entry) -> dict:
    return {
        "id": e.id, "kind": e.kind_name, "required": bool(e.flags & FLAG_REQUIRED),
        "codec": CODEC_NAMES[e.codec], "filter": FILTER_NAMES[e.filter], "element_size": e.element_size,
        "offset": e.offset, "stored_length": e.stored_length, "raw_length": e.raw_length,
        "checksum": f"{e.checksum:08x}",
    }


def _cmd_inspect(args) -> int:
    info = describe(read(args.file), args.file)
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    arch = info["metadata"]["architecture"]
    inp = arch["input"]
    print(f"{args.file}: vaez {info['version']}, {len(info['sections'])} sections, {len(info['tensors'])} tensors")
    print(f"  {arch['kind']} {inp['height']}x{inp['width']}x{inp['channels']} hidden {arch['hidden']} "
          f"z_dim {arch['z_dim']} ({arch['activation']}/{arch['output_activation']}), created {info['metadata']['created']}")
    for i, line in enumerate(data_lines(info["metadata"], 80 - 8)):
        print(("  data: " if i == 0 else " " * 8) + line)
    print(f"  {'id':>4} {'kind':<13} {'codec':<5} {'filter':<12} {'offset':>10} {'stored':>10} {'raw':>10}")
    for s in info["sections"]:
        filt = s["filter"] + (f"/{s['element_size']}" if s["element_size"] else "")
        print(f"  {s['id']:>4} {s['kind']:<13} {s['codec']:<5} {filt:<12} "
              f"{s['offset']:>10} {s['stored_length']:>10} {s['raw_length']:>10}")
    for t in info["tensors"]:
        print(f"  {t['name']:<20} {t['dtype']:<5} {str(t['shape']):<14} section {t['section']} {t['codec']}")
    return 0


def data_lines(metadata: dict, width: int) -> list[str]:
    """The data description in one or two lines of at most `width` columns, names abbreviated to fit."""
    data = metadata.get("data")
    if data is None:
        return ["image, bernoulli (not recorded: the 1.0 default)"]
    first = f"{data['kind']}, {data['likelihood']}"
    if data["variance"] is not None:
        first += f" (variance {data['variance']:g})"
    first += ", normalised" if data["normalisation"] is not None else ", not normalised"
    if data["classes"] is not None:
        first += ", " + _names(data["classes"], "classes", width - len(first) - 2)
    lines = [first]
    if data["features"] is not None:
        lines.append(_names(data["features"], "features", width))
    return lines


def _names(names: list[str], what: str, width: int) -> str:
    """"3 classes: a, b, c", cut to "3 classes: a, …" when longer than `width` columns."""
    label = f"{len(names)} {what}"
    if not names:
        return label
    text = f"{label}: {', '.join(names)}"
    if len(text) <= width:
        return text
    shown = []
    for name in names:
        if len(f"{label}: {', '.join(shown + [name])}, …") > width:
            break
        shown.append(name)
    return f"{label}: {', '.join(shown + ['…'])}"


def _cmd_to_npz(args) -> int:
    model = read(args.file)
    arrays = {**model.tensors, "__metadata__": np.array(canonical_json(model.metadata))}
    atomic_write(args.out, lambda f: np.savez(f, **arrays))
    return 0


def _cmd_to_safetensors(args) -> int:
    model = read(args.file)
    order = expected_tensor_names(model.metadata["architecture"])
    data = safetensors_bytes({name: model.tensors[name] for name in order}, model.metadata)
    atomic_write(args.out, lambda f: f.write(data))
    return 0


def _cmd_from_safetensors(args) -> int:
    import_safetensors(args.source, args.out, args.dtype, args.metadata)
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 1, like every other failure
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vaez.py", description="Read, check and convert .vaez model files (Formats/vaez.md).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("inspect", help="show sections, tensors and metadata")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_cmd_inspect)
    p = sub.add_parser("verify", help="check every rule; exit 0 ok, 1 with 'FILE: rule: message'")
    p.add_argument("file")
    p.set_defaults(run=_cmd_verify)
    p = sub.add_parser("to-npz", help="dequantised float32 tensors (+ __metadata__ JSON string)")
    p.add_argument("file")
    p.add_argument("out")
    p.set_defaults(run=_cmd_to_npz)
    p = sub.add_parser("to-safetensors", help="float32 safetensors, metadata in __metadata__.vaez")
    p.add_argument("file")
    p.add_argument("out")
    p.set_defaults(run=_cmd_to_safetensors)
    p = sub.add_parser("from-safetensors", help="import our, pytorch/examples or seed-project names")
    p.add_argument("source")
    p.add_argument("out")
    p.add_argument("--dtype", choices=list(DTYPE_CODES), default="f32")
    p.add_argument("--metadata", help="JSON file with (some of) the metadata; missing keys get defaults")
    p.set_defaults(run=_cmd_from_safetensors)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except VaezError as exc:
        target = getattr(args, "file", None) or getattr(args, "source", "")
        print(f"{target}: {exc.rule}: {exc.message}", file=sys.stderr)
    except BrokenPipeError:  # e.g. `inspect ... | head`: the reader went away, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError) as exc:
        print(f"vaez.py: error: {exc}", file=sys.stderr)
    except Exception as exc:  # a bug: still one line, never a traceback
        print(f"vaez.py: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
