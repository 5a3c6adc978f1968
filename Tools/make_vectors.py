#!/usr/bin/env python3
"""Generate the .vaez test vectors in Formats/vectors/ (deterministically).

    python3 Tools/make_vectors.py [--out DIR]

Golden files are written by the reference writer from fixed seeds and a fixed
`created`; every malformed file is derived from a golden one with one defect
injected, then every later checksum (section CRC, header CRC, SHA-256)
recomputed as needed so that exactly the intended rule is the first to fail.
Each file is checked against the reference reader before it is written, and
manifest.json records what every file is and what a reader must do with it.

Identical inputs give identical bytes as long as the zstd library is the same
version (zstd output is not specified byte for byte across versions).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import json
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaez  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "Formats" / "vectors"
CREATED = "2026-11-24T18:00:00Z"  # fixed, as SOURCE_DATE_EPOCH=1795543200 would give
SEED = 20261124

VAE_ARCH = {
    "kind": "vae", "input": {"height": 4, "width": 4, "channels": 1}, "hidden": [16], "z_dim": 2,
    "activation": "relu", "output_activation": "sigmoid",
}
# No hidden layers (mu reads the input directly), non-square input with 2 channels.
NOHIDDEN_ARCH = {**VAE_ARCH, "input": {"height": 2, "width": 3, "channels": 2}, "hidden": []}
# Version 1.1: a table of 5 features with a Gaussian decoder, and an RGB image model.
TABLE_ARCH = {**VAE_ARCH, "input": {"height": 1, "width": 5, "channels": 1}, "hidden": [4],
              "output_activation": "identity"}
RGB_ARCH = {**VAE_ARCH, "input": {"height": 2, "width": 2, "channels": 3}, "hidden": [4]}
TABLE_DATA = {
    "kind": "table", "likelihood": "gaussian", "variance": 0.25,
    "normalisation": {"mean": [12.5, 1013.25, 0.625, 3.5, 0.75], "std": [7.5, 8.25, 0.125, 2.0, 1.5]},
    "features": ["température", "pressure", "humidity", "wind_speed", "rainfall"],  # one name not ASCII
    "classes": ["dry", "wet"],
}
TABLE_SOURCE = {
    "format": "csv", "path": "weather/train.csv", "test_path": None, "test_fraction": 0.2, "split_seed": 7,
    "label_column": "season", "resize": None, "channels": None,
}
RGB_DATA = {
    "kind": "image", "likelihood": "bernoulli", "variance": None, "normalisation": None, "features": None,
    "classes": ["cat", "dog", "bird"],
}
RGB_SOURCE = {
    "format": "image-folder", "path": "pets/train", "test_path": "pets/test", "test_fraction": None,
    "split_seed": None, "label_column": None, "resize": [2, 2], "channels": 3,
}


# =============================================================================
# Models
# =============================================================================


def make_metadata(arch: dict, training: dict | None = None, **extra) -> dict:
    z = arch["z_dim"]
    meta = {
        "architecture": copy.deepcopy(arch),
        "training": training if training is not None else {
            "dataset": {"name": "fashion-mnist", "sha256": hashlib.sha256(b"vaez test vectors").hexdigest()},
            "class": None, "noise": 0.0, "epochs": 10, "batch_size": 128, "lr": 0.001, "seed": 1,
            "final_train_loss": 21.5, "final_test_loss": 22.25, "seconds": 12.5, "threads": 2,
        },
        "latent": {
            "mean": [round(0.125 * (i + 1), 3) for i in range(z)],
            "std": [round(1.0 - 0.25 * i, 3) for i in range(z)],
        },
        "producer": {"name": "vae", "version": "0.1.0", "git_commit": "0123456789abcdef0123456789abcdef01234567"},
        "created": CREATED,
    }
    meta.update(extra)
    return meta


def training_with_source(name: str, source: dict) -> dict:
    """The usual training record, for dataset `name` read from `source` (1.1 provenance)."""
    training = make_metadata(VAE_ARCH)["training"]
    training["dataset"] = {"name": name, "sha256": hashlib.sha256(name.encode()).hexdigest(), "source": source}
    return training


def null_training() -> dict:
    """What `vaez.py from-safetensors` writes when nothing about training is known."""
    return vaez.import_defaults(0)["training"]


def make_weights(arch: dict, seed: int) -> dict[str, np.ndarray]:
    """PyTorch nn.Linear init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    rng = np.random.RandomState(seed)  # the legacy generator's stream is frozen across numpy versions
    shapes = vaez.expected_tensor_names(arch)
    tensors = {}
    for name, shape in shapes.items():
        layer = name.rsplit(".", 1)[0]
        bound = 1.0 / np.sqrt(shapes[f"{layer}.weight"][1])
        tensors[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return tensors


# =============================================================================
# Golden files
# =============================================================================


@dataclass
class Golden:
    file: str
    kind: str
    dtype: str
    payloads: list[vaez.Payload]
    data: bytes
    notes: str
    version: tuple[int, int] = vaez.BASE_VERSION  # what files derived from this one are written as

    def model(self) -> vaez.Model:
        return vaez.read(self.data)

    def index(self) -> list[list]:
        """Tensor index as editable [name, dtype, dims, section_id] rows."""
        return [[t.name, t.dtype, t.dims, t.section.id] for t in self.model().index]

    def slot(self, tensor: str) -> int:
        """Table position of a tensor's data section."""
        section_id = next(row[3] for row in self.index() if row[0] == tensor)
        return next(i for i, p in enumerate(self.payloads) if p.id == section_id)

    def metadata(self) -> dict:
        return self.model().metadata


def payload_copy(payloads: list[vaez.Payload]) -> list[vaez.Payload]:
    return [dataclasses.replace(p) for p in payloads]


def build_goldens() -> dict[str, Golden]:
    vae_weights = make_weights(VAE_ARCH, SEED)
    vae_meta = make_metadata(VAE_ARCH)
    goldens = [
        *(standard_golden(f"vae-{d}.vaez", vae_meta, vae_weights, d, f"canonical {d} file") for d in vaez.DTYPE_CODES),
        standard_golden("ae-f32.vaez", make_metadata({**VAE_ARCH, "kind": "ae"}),
                        make_weights({**VAE_ARCH, "kind": "ae"}, SEED + 1), "f32", "autoencoder: no logvar tensors"),
        standard_golden("vae-f32-nohidden.vaez", make_metadata(NOHIDDEN_ARCH, null_training(), producer=_null_producer()),
                        make_weights(NOHIDDEN_ARCH, SEED + 2), "f32",
                        "hidden [] (mu reads the 2x3x2 input, decoder.0 is [D, z]); every nullable training key is null"),
        future_golden(vae_meta, vae_weights),
        gaps_golden(vae_meta, vae_weights),
        unflagged_golden(vae_meta, vae_weights),
        standard_golden("table-gaussian-f32.vaez",
                        make_metadata(TABLE_ARCH, training_with_source("weather", TABLE_SOURCE),
                                      data=copy.deepcopy(TABLE_DATA)),
                        make_weights(TABLE_ARCH, SEED + 3), "f32",
                        "version 1.1: a table of 5 features (input 1x5x1) with a gaussian decoder (identity output), "
                        "variance, normalisation, feature names (one not ASCII), classes; "
                        "training.dataset.source of a CSV file"),
        standard_golden("image-rgb-f32.vaez",
                        make_metadata(RGB_ARCH, training_with_source("pets", RGB_SOURCE),
                                      data=copy.deepcopy(RGB_DATA)),
                        make_weights(RGB_ARCH, SEED + 4), "f32",
                        "version 1.1: an RGB image model (input 2x2x3, channels interleaved), bernoulli "
                        "(sigmoid output), no normalisation or feature names, 3 classes; "
                        "training.dataset.source of an image folder"),
    ]
    return {g.file: g for g in goldens}


def _null_producer() -> dict:
    return {"name": "vaez.py", "version": vaez.TOOL_VERSION, "git_commit": None}


def standard_golden(file: str, meta: dict, weights: dict, dtype: str, notes: str) -> Golden:
    payloads = vaez.model_payloads(meta, weights, dtype, created=CREATED)
    version = vaez.format_version(meta)
    data = vaez.assemble(payloads, version=version)
    assert data == vaez.to_bytes(meta, weights, dtype, created=CREATED)
    return Golden(file, meta["architecture"]["kind"], dtype, payloads, data, notes, version)


def future_golden(meta: dict, weights: dict) -> Golden:
    """A v1.1 file: newer minor, unknown optional feature bits, optional kind-99 section, extra keys."""
    meta = copy.deepcopy(meta)
    meta["architecture"]["future_option"] = {"enabled": True}
    meta["future_key"] = ["ignored", "by", "v1.0", "readers"]
    meta["training"]["epochs"] = 10.0  # an integral number is an integer
    payloads = vaez.model_payloads(meta, weights, "f32", created=CREATED)
    payloads.insert(2, opaque_payload(99, b"an optional section of a kind v1.0 does not know", 0, 99))
    data = vaez.assemble(payloads, version=(1, 1), optional_features=(1 << 63) | 1)
    # Readers never read unknown optional sections: a wrong CRC there must not matter.
    data = patch_table(data, 2, checksum=get_entry(data, 2, "checksum") ^ 0xFFFFFFFF)
    notes = ("version 1.1, optional_features bits 0 and 63, an optional section of unknown kind 99 "
             "(id 99, between tensor_index and tensor data, CRC deliberately wrong: it must not be read), "
             "unknown metadata keys: all must be ignored; "
             "training.epochs is written 10.0 (an integral JSON number is an integer)")
    return Golden("vae-f32-v1.1-optional.vaez", "vae", "f32", payloads, data, notes)


def gaps_golden(meta: dict, weights: dict) -> Golden:
    payloads = vaez.model_payloads(meta, weights, "f32", created=CREATED)
    data = vaez.assemble(payloads, gap=vaez.ALIGN)
    notes = "non-canonical layout: 64 extra zero bytes before every section and before the footer (readers accept zero gaps)"
    return Golden("vae-f32-gaps.vaez", "vae", "f32", payloads, data, notes)


def unflagged_golden(meta: dict, weights: dict) -> Golden:
    payloads = vaez.model_payloads(meta, weights, "f32", created=CREATED)
    for p in payloads:
        p.flags = 0
    notes = "the required flag is clear on every (known-kind) section: readers ignore that flag on kinds 1-3"
    return Golden("vae-f32-unflagged.vaez", "vae", "f32", payloads, vaez.assemble(payloads), notes)


def golden_manifest(g: Golden) -> dict:
    model = g.model()
    return {
        "file": g.file,
        "kind": g.kind,
        "dtype": g.dtype,
        "version": f"{model.version[0]}.{model.version[1]}",
        "notes": g.notes,
        "tensors": {
            name: {"shape": list(t.shape), "dtype": model.dtypes[name],
                   "sha256": hashlib.sha256(t.astype("<f4").tobytes()).hexdigest()}
            for name, t in model.tensors.items()
        },
        "codecs": {t.name: vaez.CODEC_NAMES[t.section.codec] for t in model.index},
    }


# =============================================================================
# Byte-level editing helpers (shared with the tests)
# =============================================================================

PREAMBLE_FIELDS = {
    "version_major": (8, "<H"), "version_minor": (10, "<H"), "section_count": (12, "<I"),
    "required_features": (16, "<Q"), "optional_features": (24, "<Q"), "file_length": (32, "<Q"),
    "header_length": (40, "<I"), "header_checksum": (60, "<I"),
}
ENTRY_FIELDS = {
    "id": (0, "<I"), "kind": (4, "<H"), "flags": (6, "<H"), "codec": (8, "<B"), "filter": (9, "<B"),
    "element_size": (10, "<B"), "reserved": (11, "<B"), "checksum": (12, "<I"), "offset": (16, "<Q"),
    "stored_length": (24, "<Q"), "raw_length": (32, "<Q"),
}


def set_preamble(buf: bytearray, **fields) -> None:
    for name, value in fields.items():
        offset, fmt = PREAMBLE_FIELDS[name]
        struct.pack_into(fmt, buf, offset, value)


def get_entry(buf: bytes, i: int, name: str) -> int:
    offset, fmt = ENTRY_FIELDS[name]
    return struct.unpack_from(fmt, buf, vaez.PREAMBLE_SIZE + i * vaez.ENTRY_SIZE + offset)[0]


def set_entry(buf: bytearray, i: int, **fields) -> None:
    for name, value in fields.items():
        offset, fmt = ENTRY_FIELDS[name]
        struct.pack_into(fmt, buf, vaez.PREAMBLE_SIZE + i * vaez.ENTRY_SIZE + offset, value)


def fix_header_checksum(buf: bytearray) -> None:
    (header_length,) = struct.unpack_from("<I", buf, 40)
    struct.pack_into("<I", buf, vaez.HEADER_CHECKSUM_SPAN, vaez.header_checksum(bytes(buf), header_length))


def fix_sha256(buf: bytearray) -> None:
    buf[-vaez.FOOTER_SIZE : -8] = hashlib.sha256(buf[: -vaez.FOOTER_SIZE]).digest()


def reseal(data: bytes) -> bytes:
    """Recompute every checksum that can be recomputed: section CRCs, header CRC, SHA-256.

    Tolerates arbitrary garbage (used on mutated files): only checksums whose
    covered bytes lie inside the file are touched.
    """
    buf = bytearray(data)
    if len(buf) < vaez.PREAMBLE_SIZE + vaez.FOOTER_SIZE:
        return bytes(buf)
    count, header_length = struct.unpack_from("<I", buf, 12)[0], struct.unpack_from("<I", buf, 40)[0]
    footer = len(buf) - vaez.FOOTER_SIZE
    for i in range(count):
        if vaez.PREAMBLE_SIZE + (i + 1) * vaez.ENTRY_SIZE > footer:
            break
        start, length = get_entry(buf, i, "offset"), get_entry(buf, i, "stored_length")
        if start + length <= footer:
            set_entry(buf, i, checksum=zlib.crc32(buf[start : start + length]))
    if vaez.PREAMBLE_SIZE + header_length <= footer:
        fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


def patch_table(data: bytes, i: int, **fields) -> bytes:
    """Change table entry fields, then recompute the header CRC and SHA-256."""
    buf = bytearray(data)
    set_entry(buf, i, **fields)
    fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


def patch_preamble(data: bytes, header_crc: bool = True, **fields) -> bytes:
    buf = bytearray(data)
    set_preamble(buf, **fields)
    if header_crc:
        fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


def replace_payload(g: Golden, slot: int, **changes) -> list[vaez.Payload]:
    payloads = payload_copy(g.payloads)
    payloads[slot] = dataclasses.replace(payloads[slot], **changes)
    return payloads


def with_index(g: Golden, rows: list[list]) -> bytes:
    """Re-encode the tensor index from edited rows and lay the file out again."""
    return with_section(g, vaez.KIND_TENSOR_INDEX, index_bytes(rows))


def index_bytes(rows: list[list]) -> bytes:
    return vaez.pack_tensor_index([tuple(r) for r in rows])


def index_payload(rows: list[list], section_id: int) -> vaez.Payload:
    return dataclasses.replace(vaez.encode_section(vaez.KIND_TENSOR_INDEX, index_bytes(rows)), id=section_id)


def with_section(g: Golden, kind: int, raw: bytes, **encode) -> bytes:
    slot = next(i for i, p in enumerate(g.payloads) if p.kind == kind)
    payloads = payload_copy(g.payloads)
    payloads[slot] = dataclasses.replace(vaez.encode_section(kind, raw, **encode), id=payloads[slot].id)
    return vaez.assemble(payloads, version=g.version)


def with_metadata(g: Golden, edit: Callable[[dict], None]) -> bytes:
    meta = g.metadata()
    edit(meta)
    return with_section(g, vaez.KIND_METADATA, vaez.canonical_json(meta).encode("utf-8"))


def metadata_text(g: Golden) -> bytes:
    return vaez.canonical_json(g.metadata()).encode("utf-8")


def zstd_header_only(content_size: int) -> bytes:
    """A zstd frame header declaring `content_size` (no blocks): the limit must fire first."""
    descriptor = 0xC0  # 8-byte Frame_Content_Size, not single-segment, no checksum, no dict id
    window = 0x50  # Window_Descriptor: 2^(10+10) = 1 MiB
    return vaez.ZSTD_FRAME_MAGIC + bytes([descriptor, window]) + struct.pack("<Q", content_size)


def first_padding_byte(data: bytes) -> int:
    entries = vaez.read(data).sections
    footer = len(data) - vaez.FOOTER_SIZE
    cursor = vaez.PREAMBLE_SIZE + vaez.ENTRY_SIZE * len(entries)
    for start, end in [(e.offset, e.end) for e in entries] + [(footer, footer)]:
        if start > cursor:
            return cursor
        cursor = end
    raise AssertionError("no padding byte in this file")


def opaque_payload(kind: int, content: bytes, flags: int, section_id: int) -> vaez.Payload:
    return vaez.Payload(kind, content, len(content), flags=flags, id=section_id)


# =============================================================================
# Malformed files: one defect each
# =============================================================================

SMALL = "vae-f32-nohidden.vaez"  # the base of most malformed files (smallest golden)
ZSTD_BASE = "vae-f32.vaez"  # has zstd-compressed tensor sections


@dataclass(frozen=True)
class Malformed:
    file: str
    rule: str
    derived_from: str
    what: str
    build: Callable[[Golden], bytes]
    key: str | None = None  # metadata_invalid: the key the failing check is about (messages start with it)


MALFORMED: list[Malformed] = []


def malformed(file: str, rule: str, what: str, base: str = SMALL, key: str | None = None):
    def register(build: Callable[[Golden], bytes]):
        MALFORMED.append(Malformed(file, rule, base, what, build, key))
        return build

    return register


# --- steps 1-8: envelope ---------------------------------------------------------------


@malformed("too-short.vaez", "too_short", "the first 103 bytes of the file (104 is the minimum)")
def _(g):
    return g.data[:103]


@malformed("bad-magic.vaez", "bad_magic", "high bit of byte 0 cleared, as by a 7-bit transfer")
def _(g):
    return bytes([g.data[0] & 0x7F]) + g.data[1:]


@malformed("bad-magic-crlf.vaez", "bad_magic", "every LF converted to CRLF (text-mode transfer): magic becomes ...0D 0D 0A")
def _(g):
    return g.data.replace(b"\n", b"\r\n")


@malformed("unsupported-version.vaez", "unsupported_version", "version_major 2 (checksums recomputed)")
def _(g):
    return patch_preamble(g.data, version_major=2)


@malformed("unknown-required-feature.vaez", "unknown_required_feature", "required_features bit 0 set (checksums recomputed)")
def _(g):
    return patch_preamble(g.data, required_features=1)


@malformed("file-length-truncated.vaez", "file_length_mismatch", "last 64 bytes cut off")
def _(g):
    return g.data[:-64]


@malformed("file-length-trailing.vaez", "file_length_mismatch", "one byte (LF) appended after the end magic")
def _(g):
    return g.data + b"\n"


@malformed("file-length-misaligned.vaez", "file_length_mismatch",
           "8 zero bytes before the footer, file_length updated (all checksums valid): footer offset not a multiple of 64")
def _(g):
    buf = bytearray(g.data[: -vaez.FOOTER_SIZE] + bytes(8))
    set_preamble(buf, file_length=len(buf) + vaez.FOOTER_SIZE)
    fix_header_checksum(buf)
    return vaez.seal(buf)


@malformed("bad-end-magic.vaez", "bad_end_magic", 'end magic "ENDVAEX\\n" instead of "ENDVAEZ\\n"')
def _(g):
    return g.data[:-8] + b"ENDVAEX\n"


@malformed("sha256-mismatch.vaez", "sha256_mismatch",
           "one bit flipped in the last tensor section's stored bytes, nothing recomputed")
def _(g):
    buf = bytearray(g.data)
    buf[get_entry(buf, len(g.payloads) - 1, "offset")] ^= 0x01
    return bytes(buf)


@malformed("reserved-preamble.vaez", "reserved_nonzero",
           "preamble byte 44 (reserved) is 0x01 (header CRC and SHA-256 recomputed)")
def _(g):
    buf = bytearray(g.data)
    buf[44] = 1
    fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


# --- steps 9-10: table header ---------------------------------------------------------------


@malformed("header-invalid-length.vaez", "header_invalid", "header_length is 64 x section_count + 64")
def _(g):
    return patch_preamble(g.data, header_length=64 * len(g.payloads) + 64)


@malformed("header-past-footer.vaez", "header_invalid",
           "section_count and header_length agree but the table would run past the footer (header CRC not computable)")
def _(g):
    count = len(g.data) // 64 + 1
    return patch_preamble(g.data, header_crc=False, section_count=count, header_length=64 * count)


@malformed("header-too-large.vaez", "header_too_large", "section_count 16385, header_length 1048640 (> 1 MiB limit)")
def _(g):
    return patch_preamble(g.data, header_crc=False, section_count=16385, header_length=16385 * 64)


@malformed("header-checksum-mismatch.vaez", "header_checksum_mismatch", "header_checksum inverted (SHA-256 recomputed)")
def _(g):
    (crc,) = struct.unpack_from("<I", g.data, vaez.HEADER_CHECKSUM_SPAN)
    return patch_preamble(g.data, header_crc=False, header_checksum=crc ^ 0xFFFFFFFF)


# --- step 11: table entries, padding, unknown kinds ---------------------------------------------


@malformed("reserved-entry.vaez", "reserved_nonzero", "last reserved byte (63) of table entry #2 is 0x01")
def _(g):
    buf = bytearray(g.data)
    buf[vaez.PREAMBLE_SIZE + 2 * vaez.ENTRY_SIZE + 63] = 1
    fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


@malformed("reserved-flag-bit.vaez", "reserved_nonzero", "table entry #2 has flag bit 15 set (unknown flag)")
def _(g):
    return patch_table(g.data, 2, flags=0x8001)


@malformed("unknown-codec.vaez", "unknown_codec", "table entry #2 has codec 2")
def _(g):
    return patch_table(g.data, 2, codec=2)


@malformed("unknown-filter.vaez", "unknown_filter", "table entry #2 has filter 2")
def _(g):
    return patch_table(g.data, 2, filter=2, element_size=4)


@malformed("unknown-filter-width.vaez", "unknown_filter", "table entry #2 has filter byte_shuffle with element_size 3")
def _(g):
    return patch_table(g.data, 2, filter=1, element_size=3)


@malformed("unknown-filter-stray-width.vaez", "unknown_filter", "table entry #2 has filter none with element_size 4")
def _(g):
    return patch_table(g.data, 2, filter=0, element_size=4)


@malformed("section-misaligned.vaez", "section_misaligned", "table entry #3 offset moved 8 bytes forward")
def _(g):
    return patch_table(g.data, 3, offset=get_entry(g.data, 3, "offset") + 8)


@malformed("section-before-table.vaez", "section_out_of_bounds", "table entry #0 offset is 0 (inside the preamble)")
def _(g):
    return patch_table(g.data, 0, offset=0)


@malformed("section-past-footer.vaez", "section_out_of_bounds",
           "last table entry's stored_length grown by 64: it ends inside the footer")
def _(g):
    last = len(g.payloads) - 1
    return patch_table(g.data, last, stored_length=get_entry(g.data, last, "stored_length") + 64)


@malformed("section-length-overflow.vaez", "section_out_of_bounds",
           "table entry #2 stored_length 2^64-1: offset + stored_length overflows 64 bits (must not wrap)")
def _(g):
    return patch_table(g.data, 2, stored_length=vaez.U64_MAX)


@malformed("section-overlap.vaez", "section_overlap", "table entry #3 has the same offset as entry #2")
def _(g):
    return patch_table(g.data, 3, offset=get_entry(g.data, 2, "offset"))


@malformed("section-overlap-one-byte.vaez", "section_overlap",
           "table entry #2's stored_length grown so that it ends one byte after entry #3 starts")
def _(g):
    end = get_entry(g.data, 3, "offset") + 1
    return patch_table(g.data, 2, stored_length=end - get_entry(g.data, 2, "offset"))


@malformed("section-unsorted.vaez", "section_overlap", "table entries #2 and #3 swapped: not sorted by offset")
def _(g):
    buf = bytearray(g.data)
    a, b = (vaez.PREAMBLE_SIZE + i * vaez.ENTRY_SIZE for i in (2, 3))
    buf[a : a + 64], buf[b : b + 64] = buf[b : b + 64], buf[a : a + 64]
    fix_header_checksum(buf)
    fix_sha256(buf)
    return bytes(buf)


@malformed("duplicate-section-id.vaez", "duplicate_section_id", "table entry #3 has the id of entry #2")
def _(g):
    return patch_table(g.data, 3, id=get_entry(g.data, 2, "id"))


@malformed("nonzero-padding.vaez", "nonzero_padding", "the first alignment padding byte is 0x01 (SHA-256 recomputed)")
def _(g):
    buf = bytearray(g.data)
    buf[first_padding_byte(g.data)] = 1
    fix_sha256(buf)
    return bytes(buf)


@malformed("unknown-required-section.vaez", "unknown_required_section",
           "an extra section of unknown kind 99 with the required flag")
def _(g):
    extra = opaque_payload(99, b"a section this reader cannot skip", vaez.FLAG_REQUIRED, 99)
    return vaez.assemble(payload_copy(g.payloads) + [extra])


# --- step 12: core sections --------------------------------------------------------------------


@malformed("missing-metadata.vaez", "missing_section", "no metadata section")
def _(g):
    return vaez.assemble([p for p in payload_copy(g.payloads) if p.kind != vaez.KIND_METADATA])


@malformed("missing-tensor-index.vaez", "missing_section", "no tensor_index section")
def _(g):
    return vaez.assemble([p for p in payload_copy(g.payloads) if p.kind != vaez.KIND_TENSOR_INDEX])


@malformed("duplicate-metadata.vaez", "duplicate_section", "a second, identical metadata section (id 99)")
def _(g):
    payloads = payload_copy(g.payloads)
    payloads.insert(1, dataclasses.replace(payloads[0], id=99))
    return vaez.assemble(payloads)


# --- step 13: reading sections ----------------------------------------------------------------


@malformed("section-checksum-mismatch.vaez", "section_checksum_mismatch",
           "CRC-32 of the last tensor_data section inverted (header CRC and SHA-256 recomputed)")
def _(g):
    last = len(g.payloads) - 1
    return patch_table(g.data, last, checksum=get_entry(g.data, last, "checksum") ^ 0xFFFFFFFF)


@malformed("section-length-mismatch.vaez", "section_length_mismatch",
           "metadata stored with codec none and raw_length = stored_length + 1")
def _(g):
    raw = metadata_text(g)
    return vaez.assemble(replace_payload(g, 0, stored=raw, raw_length=len(raw) + 1, codec=0, filter=0, element_size=0))


@malformed("section-length-shuffle.vaez", "section_length_mismatch",
           "tensor_index stored with codec none, filter byte_shuffle width 4, raw_length not a multiple of 4")
def _(g):
    raw = index_bytes(g.index())
    assert len(raw) % 4, "the index length must not be a multiple of 4 for this vector"
    return vaez.assemble(replace_payload(g, 1, stored=raw, raw_length=len(raw), codec=0, filter=1, element_size=4))


@malformed("frame-content-size-mismatch.vaez", "frame_content_size_mismatch",
           "metadata zstd frame declares the true size, raw_length says one byte more")
def _(g):
    raw = metadata_text(g)
    return vaez.assemble(replace_payload(g, 0, stored=vaez.zstd_compress(raw), raw_length=len(raw) + 1, codec=1))


@malformed("frame-no-content-size.vaez", "frame_content_size_mismatch", "metadata zstd frame written without a content size")
def _(g):
    import zstandard

    raw = metadata_text(g)
    frame = zstandard.ZstdCompressor(level=19, write_content_size=False).compress(raw)
    return vaez.assemble(replace_payload(g, 0, stored=frame, raw_length=len(raw), codec=1))


@malformed("decompression-truncated.vaez", "decompression_failed",
           "encoder.0.weight zstd frame missing its last byte (section CRC recomputed)", ZSTD_BASE)
def _(g):
    slot = g.slot("encoder.0.weight")
    assert g.payloads[slot].codec == vaez.CODEC_ZSTD
    return vaez.assemble(replace_payload(g, slot, stored=g.payloads[slot].stored[:-1]))


@malformed("decompression-two-frames.vaez", "decompression_failed",
           "metadata is its zstd frame followed by a second, empty zstd frame (exactly one frame is allowed)")
def _(g):
    raw = metadata_text(g)
    stored = vaez.zstd_compress(raw) + vaez.zstd_compress(b"")
    return vaez.assemble(replace_payload(g, 0, stored=stored, raw_length=len(raw), codec=1))


@malformed("limit-metadata.vaez", "limit_exceeded",
           "metadata zstd frame of 1 MiB + 1 bytes (JSON padded with spaces): over the 1 MiB limit")
def _(g):
    raw = metadata_text(g)
    raw += b" " * ((1 << 20) + 1 - len(raw))
    return vaez.assemble(replace_payload(g, 0, stored=vaez.zstd_compress(raw), raw_length=len(raw), codec=1))


# --- step 14: tensor index ---------------------------------------------------------------------


@malformed("tensor-index-truncated.vaez", "tensor_index_invalid", "tensor index missing its last byte")
def _(g):
    return with_section(g, vaez.KIND_TENSOR_INDEX, index_bytes(g.index())[:-1])


@malformed("tensor-index-trailing.vaez", "tensor_index_invalid", "one zero byte after the last tensor index entry")
def _(g):
    return with_section(g, vaez.KIND_TENSOR_INDEX, index_bytes(g.index()) + b"\0")


@malformed("too-many-tensors.vaez", "too_many_tensors", "tensor index with 257 entries (limit 256)")
def _(g):
    return with_index(g, [[f"t{i}", "f32", (1,), 3] for i in range(257)])


def _edit_index(g: Golden, row: int, column: int, value) -> bytes:
    rows = g.index()
    rows[row][column] = value
    return with_index(g, rows)


@malformed("bad-tensor-name-empty.vaez", "bad_tensor_name", "tensor #0 has an empty name")
def _(g):
    return _edit_index(g, 0, 0, b"")


@malformed("bad-tensor-name-long.vaez", "bad_tensor_name", "tensor #0 has a 256-byte name")
def _(g):
    return _edit_index(g, 0, 0, b"x" * 256)


@malformed("bad-tensor-name-utf8.vaez", "bad_tensor_name", "tensor #0 name ends in byte 0xFF (invalid UTF-8)")
def _(g):
    return _edit_index(g, 0, 0, g.index()[0][0].encode()[:-1] + b"\xff")


@malformed("duplicate-tensor-name.vaez", "duplicate_tensor_name", "tensor #1 has the name of tensor #0")
def _(g):
    return _edit_index(g, 1, 0, g.index()[0][0])


@malformed("unknown-dtype.vaez", "unknown_dtype", "tensor #0 has dtype 5")
def _(g):
    return _edit_index(g, 0, 1, 5)


@malformed("bad-rank-zero.vaez", "bad_rank", "tensor #0 has rank 0 (no dims)")
def _(g):
    return _edit_index(g, 0, 2, ())


@malformed("bad-rank-five.vaez", "bad_rank", "tensor #0 has rank 5 (dims padded with 1s)")
def _(g):
    return _edit_index(g, 0, 2, tuple(g.index()[0][2]) + (1,) * (5 - len(g.index()[0][2])))


@malformed("bad-dims.vaez", "bad_dims", "tensor #0 has a zero dimension")
def _(g):
    return _edit_index(g, 0, 2, (g.index()[0][2][0], 0))


@malformed("unknown-section-ref-missing.vaez", "unknown_section_ref",
           "tensor #0 refers to section id 999, which does not exist")
def _(g):
    return _edit_index(g, 0, 3, 999)


@malformed("unknown-section-ref-kind.vaez", "unknown_section_ref", "tensor #0 refers to the metadata section (id 1)")
def _(g):
    return _edit_index(g, 0, 3, 1)


@malformed("unknown-section-ref-twice.vaez", "unknown_section_ref", "tensor #1 refers to tensor #0's section")
def _(g):
    return _edit_index(g, 1, 3, g.index()[0][3])


@malformed("unknown-section-ref-unreferenced.vaez", "unknown_section_ref",
           "an extra tensor_data section (id 99) no tensor refers to")
def _(g):
    extra = opaque_payload(vaez.KIND_TENSOR_DATA, bytes(8), vaez.FLAG_REQUIRED, 99)
    return vaez.assemble(payload_copy(g.payloads) + [extra])


@malformed("tensor-size-mismatch.vaez", "tensor_size_mismatch", "tensor #0 dims [2, 11] instead of [2, 12]")
def _(g):
    return _edit_index(g, 0, 2, (2, 11))


@malformed("tensor-size-overflow.vaez", "tensor_size_mismatch",
           "tensor #0 dims [2^32, 2^32]: 2^64 x 4 bytes overflows 64 bits (must not wrap)")
def _(g):
    return _edit_index(g, 0, 2, (1 << 32, 1 << 32))


@malformed("tensor-size-overflow-int8.vaez", "tensor_size_mismatch",
           "int8 tensor #0 dims [2^62, 1]: 2^62 values + 4 x 2^62 scale bytes overflows 64 bits", "vae-int8.vaez")
def _(g):
    return _edit_index(g, 0, 2, (1 << 62, 1))


@malformed("limit-total-tensor-bytes.vaez", "limit_exceeded",
           "last tensor is f32 [2^28 + 1] in a zstd section declaring 2^30 + 4 raw bytes (frame header only): "
           "total over 1 GiB")
def _(g):
    rows = g.index()
    rows[-1][1:3] = ["f32", ((1 << 28) + 1,)]
    raw_length = 4 * ((1 << 28) + 1)
    payloads = replace_payload(g, len(g.payloads) - 1, stored=zstd_header_only(raw_length), raw_length=raw_length,
                               codec=1, filter=0, element_size=0)
    payloads[1] = index_payload(rows, payloads[1].id)
    return vaez.assemble(payloads)


# --- step 15: metadata ---------------------------------------------------------------------------


def _with_metadata_bytes(g: Golden, raw: bytes) -> bytes:
    return with_section(g, vaez.KIND_METADATA, raw)


@malformed("metadata-not-utf8.vaez", "metadata_invalid", 'byte 0xFF inside the "relu" string')
def _(g):
    return _with_metadata_bytes(g, metadata_text(g).replace(b'"relu"', b'"rel\xff"'))


@malformed("metadata-not-json.vaez", "metadata_invalid", "closing brace missing")
def _(g):
    return _with_metadata_bytes(g, metadata_text(g)[:-1])


@malformed("metadata-not-object.vaez", "metadata_invalid", "the metadata object wrapped in a JSON array")
def _(g):
    return _with_metadata_bytes(g, b"[" + metadata_text(g) + b"]")


@malformed("metadata-nan.vaez", "metadata_invalid", "training.noise is the non-JSON token NaN")
def _(g):
    text = metadata_text(g)
    assert b'"noise":null' in text
    return _with_metadata_bytes(g, text.replace(b'"noise":null', b'"noise":NaN'))


@malformed("metadata-duplicate-key.vaez", "metadata_invalid", 'top-level key "created" appears twice')
def _(g):
    return _with_metadata_bytes(g, metadata_text(g).replace(b"{", b'{"created":"2026-11-24T18:00:00Z",', 1))


@malformed("metadata-missing-key.vaez", "metadata_invalid", "architecture.z_dim missing",
           key="architecture.z_dim")
def _(g):
    return with_metadata(g, lambda m: m["architecture"].pop("z_dim"))


@malformed("metadata-wrong-type.vaez", "metadata_invalid", 'training.epochs is the string "10"',
           key="training.epochs")
def _(g):
    return with_metadata(g, lambda m: m["training"].update(epochs="10"))


@malformed("metadata-bool-as-integer.vaez", "metadata_invalid", "training.batch_size is true (a boolean is not an integer)",
           key="training.batch_size")
def _(g):
    return with_metadata(g, lambda m: m["training"].update(batch_size=True))


@malformed("metadata-latent-length.vaez", "metadata_invalid", "latent.mean has z_dim + 1 values",
           key="latent.mean")
def _(g):
    return with_metadata(g, lambda m: m["latent"]["mean"].append(0.0))


@malformed("metadata-bad-created.vaez", "metadata_invalid", 'created has a fraction: "2026-11-24T18:00:00.5Z"',
           key="created")
def _(g):
    return with_metadata(g, lambda m: m.update(created="2026-11-24T18:00:00.5Z"))


# --- step 15, version 1.1: the data description ----------------------------------------------------

TABLE = "table-gaussian-f32.vaez"  # the base of the data-* files


@malformed("data-wrong-type.vaez", "metadata_invalid", 'data.variance is the string "0.25"', TABLE,
           key="data.variance")
def _(g):
    return with_metadata(g, lambda m: m["data"].update(variance="0.25"))


@malformed("data-missing-key.vaez", "metadata_invalid", "data.classes missing (every key of data is required)", TABLE,
           key="data.classes")
def _(g):
    return with_metadata(g, lambda m: m["data"].pop("classes"))


@malformed("data-std-zero.vaez", "metadata_invalid", "data.normalisation.std[2] is 0.0", TABLE,
           key="data.normalisation.std")
def _(g):
    return with_metadata(g, lambda m: m["data"]["normalisation"]["std"].__setitem__(2, 0.0))


@malformed("data-source-wrong-type.vaez", "metadata_invalid",
           "training.dataset.source.resize is [2] (a [height, width] pair or null)", "image-rgb-f32.vaez",
           key="training.dataset.source.resize")
def _(g):
    return with_metadata(g, lambda m: m["training"]["dataset"]["source"].update(resize=[2]))


@malformed("data-table-shape.vaez", "metadata_invalid",
           'data.kind is "table" but architecture.input is 5x1x1 (a table is 1 x features x 1)', TABLE,
           key="data.kind")
def _(g):
    return with_metadata(g, lambda m: m["architecture"].update(input={"height": 5, "width": 1, "channels": 1}))


@malformed("data-likelihood-mismatch.vaez", "metadata_invalid",
           'data.likelihood is "gaussian" but architecture.output_activation is "sigmoid"', TABLE,
           key="data.likelihood")
def _(g):
    return with_metadata(g, lambda m: m["architecture"].update(output_activation="sigmoid"))


@malformed("data-variance-missing.vaez", "metadata_invalid", "gaussian likelihood with data.variance null", TABLE,
           key="data.variance")
def _(g):
    return with_metadata(g, lambda m: m["data"].update(variance=None))


@malformed("data-normalisation-length.vaez", "metadata_invalid",
           "data.normalisation.mean has 4 values for a 5-value input", TABLE, key="data.normalisation.mean")
def _(g):
    return with_metadata(g, lambda m: m["data"]["normalisation"]["mean"].pop())


@malformed("data-features-length.vaez", "metadata_invalid", "data.features has 6 names for a 5-value input", TABLE,
           key="data.features")
def _(g):
    return with_metadata(g, lambda m: m["data"]["features"].append("extra"))


# --- step 16: shape contract -----------------------------------------------------------------------


@malformed("shape-contract-transposed.vaez", "shape_contract", "mu.weight dims [12, 2] instead of [2, 12] (same byte size)")
def _(g):
    rows = g.index()
    row = next(r for r in rows if r[0] == "mu.weight")
    row[2] = tuple(reversed(row[2]))
    return with_index(g, rows)


@malformed("shape-contract-unexpected.vaez", "shape_contract", 'metadata says kind "ae" but the file has logvar tensors')
def _(g):
    return with_metadata(g, lambda m: m["architecture"].update(kind="ae"))


@malformed("shape-contract-missing.vaez", "shape_contract",
           'autoencoder file whose metadata says kind "vae": logvar tensors missing', "ae-f32.vaez")
def _(g):
    return with_metadata(g, lambda m: m["architecture"].update(kind="vae"))


# =============================================================================
# Output
# =============================================================================


def check_golden(g: Golden) -> None:
    vaez.read(g.data)  # raises if the reference reader refuses it


def check_malformed(m: Malformed, data: bytes) -> None:
    try:
        vaez.read(data)
    except vaez.VaezError as exc:
        if exc.rule != m.rule:
            raise AssertionError(f"{m.file}: expected {m.rule}, reader says {exc}") from None
        if m.key is not None and not exc.message.startswith(m.key + ": "):
            raise AssertionError(f"{m.file}: expected a failure at {m.key}, reader says {exc}") from None
        return
    raise AssertionError(f"{m.file}: expected {m.rule}, reader accepted it")


def check_codec_coverage(manifest_golden: list[dict]) -> None:
    codecs = {c for g in manifest_golden for c in g["codecs"].values()}
    assert codecs == {"zstd", "none"}, f"goldens must have both zstd and raw tensor sections, have {codecs}"


def generate(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    goldens = build_goldens()
    for g in goldens.values():
        check_golden(g)
        (out / g.file).write_bytes(g.data)
    for m in MALFORMED:
        data = m.build(goldens[m.derived_from])
        check_malformed(m, data)
        (out / m.file).write_bytes(data)
    manifest = build_manifest(goldens)
    check_codec_coverage(manifest["golden"])
    (out / "manifest.json").write_text(compact_json(manifest) + "\n", encoding="utf-8")
    return manifest


def compact_json(value, indent: str = "", width: int = 160) -> str:
    """JSON with one line per value that fits in `width`: small files, readable diffs."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(indent) + len(flat) <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {compact_json(v, inner, width).lstrip()}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    items = [inner + compact_json(v, inner, width).lstrip() for v in value]
    return "[\n" + ",\n".join(items) + "\n" + indent + "]"


def zstd_library_version() -> str:
    """libzstd version the vectors were compressed with: level-19 output can change between versions."""
    import zstandard

    return ".".join(map(str, zstandard.ZSTD_VERSION))


def build_manifest(goldens: dict[str, Golden]) -> dict:
    return {
        "format": "vaez",
        "version": "1.1",
        "spec": "Formats/vaez.md",
        "generator": "Tools/make_vectors.py",
        "zstd_library": zstd_library_version(),
        "about": ("golden: must read; every tensor's dequantised float32 little-endian bytes hash to sha256 and "
                  "its section uses the given codec. malformed: must be refused with exactly `rule` "
                  "(the first failing check) using the default limits; where `key` is given, the failing "
                  "check is about that metadata key (this project's readers start their message with it)."),
        "limits": dataclasses.asdict(vaez.Limits()),
        "rules": list(vaez.RULES),
        "golden": [golden_manifest(g) for g in goldens.values()],
        "malformed": [malformed_manifest(m) for m in MALFORMED],
    }


def malformed_manifest(m: Malformed) -> dict:
    entry = {"file": m.file, "rule": m.rule, "derived_from": m.derived_from, "what": m.what}
    if m.key is not None:
        entry["key"] = m.key
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    manifest = generate(args.out)
    total = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"{args.out}: {len(manifest['golden'])} golden, {len(manifest['malformed'])} malformed, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
