"""Tests for the .vaez v1 reference tools (Tools/vaez.py, Tools/make_vectors.py).

Run from the repository root: python3 -m pytest -q Tools/tests
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import hashlib
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "Tools"
VECTORS = ROOT / "Formats" / "vectors"
sys.path.insert(0, str(TOOLS))

import make_vectors  # noqa: E402
import vaez  # noqa: E402

MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
GOLDEN = {g["file"]: g for g in MANIFEST["golden"]}
MALFORMED = {m["file"]: m for m in MANIFEST["malformed"]}

SMALL_ARCH = {
    "kind": "vae", "input": {"height": 3, "width": 5, "channels": 2}, "hidden": [12, 7], "z_dim": 3,
    "activation": "relu", "output_activation": "sigmoid",
}
CREATED = "2026-11-24T18:00:00Z"
CREATED_EPOCH = 1795543200


def small_model(arch=SMALL_ARCH, seed=7):
    return make_vectors.make_metadata(arch), make_vectors.make_weights(arch, seed)


def run_cli(*args, env=None):
    """Run the CLI as a user would (separate process, real exit code and streams)."""
    env = {k: v for k, v in (env or os.environ).items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run([sys.executable, str(TOOLS / "vaez.py"), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def f32_sha256(values: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(values, dtype="<f4").tobytes()).hexdigest()


# =============================================================================
# Vectors and manifest
# =============================================================================


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_vector_matches_manifest(name):
    entry = GOLDEN[name]
    model = vaez.read(VECTORS / name)
    assert list(model.tensors) == list(entry["tensors"])
    for tensor, expected in entry["tensors"].items():
        assert list(model.tensors[tensor].shape) == expected["shape"], tensor
        assert model.tensors[tensor].dtype == np.float32
        assert model.dtypes[tensor] == expected["dtype"], tensor
        assert f32_sha256(model.tensors[tensor]) == expected["sha256"], tensor
    codecs = {t.name: vaez.CODEC_NAMES[t.section.codec] for t in model.index}
    assert codecs == entry["codecs"]
    assert model.metadata["architecture"]["kind"] == entry["kind"]
    assert f"{model.version[0]}.{model.version[1]}" == entry["version"]


def test_golden_vectors_cover_both_codecs_for_tensors():
    codecs = collections.Counter(c for g in MANIFEST["golden"] for c in g["codecs"].values())
    assert codecs["zstd"] > 0 and codecs["none"] > 0


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_vector_fails_with_its_rule(name):
    with pytest.raises(vaez.VaezError) as info:
        vaez.read(VECTORS / name)
    assert info.value.rule == MALFORMED[name]["rule"], str(info.value)
    assert MALFORMED[name]["derived_from"] in GOLDEN
    if "key" in MALFORMED[name]:  # it fails at the intended check, not just with the intended rule
        assert info.value.message.startswith(MALFORMED[name]["key"] + ": "), str(info.value)


def test_every_data_rule_has_a_malformed_vector():
    keys = {m["key"] for m in MANIFEST["malformed"] if m["file"].startswith("data-")}
    assert keys >= {"data.kind", "data.likelihood", "data.variance", "data.normalisation.mean",
                    "data.normalisation.std", "data.features", "data.classes", "training.dataset.source.resize"}


def test_every_rule_has_a_malformed_vector():
    assert MANIFEST["rules"] == list(vaez.RULES)
    assert {m["rule"] for m in MANIFEST["malformed"]} == set(vaez.RULES)


def test_vector_directory_is_small_and_complete():
    files = {p.name for p in VECTORS.iterdir()}
    assert files == set(GOLDEN) | set(MALFORMED) | {"manifest.json"}
    assert sum((VECTORS / f).stat().st_size for f in files) < 256_000


def test_make_vectors_regenerates_identical_bytes(tmp_path):
    if make_vectors.zstd_library_version() != MANIFEST["zstd_library"]:
        pytest.skip(f"vectors were compressed with libzstd {MANIFEST['zstd_library']}, "
                    f"this machine has {make_vectors.zstd_library_version()}: compressed bytes may differ")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, str(TOOLS / "make_vectors.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in VECTORS.iterdir())
    changed = [name for name in fresh if (tmp_path / name).read_bytes() != (VECTORS / name).read_bytes()]
    assert changed == []


# =============================================================================
# Round trips and quantisation bounds (Formats/vaez.md, "Accuracy")
# =============================================================================


def test_f32_round_trip_is_bit_exact_including_special_values():
    meta, tensors = small_model()
    special = np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, -3.4028235e38, 1.0, -1.5], dtype=np.float32)
    weight = tensors["encoder.0.weight"].reshape(-1)
    weight[: len(special)] = special
    weight.view(np.uint32)[len(special)] = 0x7FC01234  # a NaN with a payload
    model = vaez.read(vaez.to_bytes(meta, tensors, "f32", created=CREATED))
    for name, values in tensors.items():
        assert np.array_equal(model.tensors[name].view(np.uint32), values.view(np.uint32)), name
        assert model.dtypes[name] == "f32"


def _spread_values(n: int, seed: int) -> np.ndarray:
    """Signed values whose magnitudes span 1e-9 .. 6e4 (f16 subnormals to near f16 max)."""
    rng = np.random.default_rng(seed)
    return (rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-9, 4.7, n)).astype(np.float32)


def _model_with_values(values: np.ndarray):
    meta, tensors = small_model()
    for name, t in tensors.items():
        tensors[name] = np.resize(values, t.shape).astype(np.float32)
    return meta, tensors


def test_f16_is_within_half_an_ulp():
    meta, tensors = _model_with_values(_spread_values(4000, 1))
    model = vaez.read(vaez.to_bytes(meta, tensors, "f16", created=CREATED))
    for name, x in tensors.items():
        y = model.tensors[name]
        assert model.dtypes[name] == "f16"
        assert np.all(np.abs(x - y) <= np.maximum(np.abs(x) * 2.0**-11, 2.0**-25)), name
        assert np.array_equal(y, x.astype(np.float16).astype(np.float32))  # round to nearest even


def test_bf16_is_within_half_an_ulp():
    meta, tensors = _model_with_values(_spread_values(4000, 2) * np.float32(1e20))
    model = vaez.read(vaez.to_bytes(meta, tensors, "bf16", created=CREATED))
    for name, x in tensors.items():
        y = model.tensors[name]
        assert model.dtypes[name] == "bf16"
        assert np.all(np.abs(x.astype(np.float64) - y) <= np.abs(x.astype(np.float64)) * 2.0**-8), name


def _bf16(values) -> np.ndarray:
    bits = vaez.to_bf16_bits(np.array(values, dtype=np.float32))
    return (bits.astype(np.uint32) << 16).view(np.float32)


def test_bf16_rounds_to_nearest_even_and_keeps_nan():
    one = 1.0
    ulp = 2.0**-7
    got = _bf16([one + ulp / 2, one + 1.5 * ulp, one + ulp / 2 + 2.0**-20, -(one + ulp / 2), 3.4028235e38, np.inf])
    assert list(got) == [one, one + 2 * ulp, one + ulp, -one, np.inf, np.inf]
    nan_bits = np.array([0x7F800001, 0xFFC00000], dtype=np.uint32).view(np.float32)  # signalling NaN, negative NaN
    assert np.all(np.isnan(_bf16(nan_bits)))


def test_int8_is_within_half_a_step_and_keeps_bias_f32():
    meta, tensors = small_model(seed=11)
    tensors["decoder.0.weight"][1] = 0.0  # an all-zero row uses scale 1.0
    model = vaez.read(vaez.to_bytes(meta, tensors, "int8", created=CREATED))
    for name, x in tensors.items():
        y = model.tensors[name]
        if x.ndim == 1:
            assert model.dtypes[name] == "f32" and np.array_equal(x, y), name
            continue
        assert model.dtypes[name] == "int8"
        rows, got = x.reshape(x.shape[0], -1), y.reshape(x.shape[0], -1)
        peak = np.abs(rows).max(axis=1, keepdims=True)
        step = peak / 127
        assert np.all(np.abs(rows - got) <= 0.5 * step + 2.0**-22 * peak), name
        # The largest magnitude in each non-zero row maps to +-127 * scale exactly.
        for r in np.flatnonzero(peak[:, 0]):
            scale = np.float32(peak[r, 0]) / np.float32(127)
            at = np.argmax(np.abs(rows[r]))
            assert got[r, at] == np.float32(127) * scale * np.sign(rows[r, at]), (name, r)
    assert np.all(model.tensors["decoder.0.weight"][1] == 0)


def test_int8_section_layout_is_values_then_row_scales():
    meta, tensors = small_model(seed=3)
    x = tensors["encoder.0.weight"]
    x[1] = 0.0  # all-zero row: scale 1.0
    x[2] = 0.0
    x[2, 3] = 1e-45  # subnormal peak: peak / 127 underflows to 0, so scale 1.0 as well
    data = vaez.to_bytes(meta, tensors, "int8", created=CREATED)
    model = vaez.read(data)
    record = next(t for t in model.index if t.name == "encoder.0.weight")
    raw = vaez.read_section(data, record.section, vaez.Limits().max_tensor_bytes)
    scales = (np.abs(x).max(axis=1) / np.float32(127)).astype(np.float32)
    assert scales[1] == scales[2] == 0
    scales[1] = scales[2] = 1.0
    q = np.clip(np.rint(x / scales[:, None]), -127, 127).astype(np.int8)
    assert raw == q.tobytes() + scales.astype("<f4").tobytes()
    assert np.array_equal(model.tensors["encoder.0.weight"], q.astype(np.float32) * scales[:, None])


def test_int8_writer_refuses_non_finite_weights():
    meta, tensors = small_model()
    tensors["mu.weight"][0, 0] = np.nan
    with pytest.raises(ValueError):
        vaez.to_bytes(meta, tensors, "int8", created=CREATED)


# =============================================================================
# Writer behaviour
# =============================================================================


def test_writer_is_deterministic_and_ignores_dict_order(tmp_path):
    meta, tensors = small_model()
    first = vaez.to_bytes(meta, tensors, "bf16", created=CREATED)
    reversed_tensors = dict(reversed(list(tensors.items())))
    assert vaez.to_bytes(meta, reversed_tensors, "bf16", created=CREATED) == first
    vaez.write(tmp_path / "a.vaez", meta, tensors, "bf16", created=CREATED)
    vaez.write(tmp_path / "b.vaez", meta, reversed_tensors, "bf16", created=CREATED)
    assert (tmp_path / "a.vaez").read_bytes() == (tmp_path / "b.vaez").read_bytes() == first


def test_writer_honours_source_date_epoch(monkeypatch):
    meta, tensors = small_model()
    meta.pop("created")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(CREATED_EPOCH))
    first = vaez.to_bytes(meta, tensors)
    assert vaez.read(first).metadata["created"] == CREATED
    assert vaez.to_bytes(meta, tensors) == first
    assert vaez.to_bytes({**meta, "created": "2000-01-01T00:00:00Z"}, tensors) == first  # the epoch wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(CREATED_EPOCH + 1))
    later = vaez.to_bytes(meta, tensors)
    assert later != first and vaez.read(later).metadata["created"] == "2026-11-24T18:00:01Z"
    assert vaez.to_bytes(meta, tensors, created=CREATED) == first  # an explicit argument wins over the epoch


def test_writer_without_epoch_uses_metadata_created_or_now(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    meta, tensors = small_model()
    assert vaez.read(vaez.to_bytes(meta, tensors)).metadata["created"] == meta["created"]
    meta.pop("created")
    created = vaez.read(vaez.to_bytes(meta, tensors)).metadata["created"]
    stamp = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) < 120


def test_writer_metadata_is_canonical_json():
    meta, tensors = small_model()
    meta["producer"]["name"] = "vaé"  # stays UTF-8, not \u escaped
    data = vaez.to_bytes(meta, tensors, created=CREATED)
    model = vaez.read(data)
    raw = vaez.read_section(data, model.sections[0], 1 << 20)
    assert raw == json.dumps(model.metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "vaé".encode() in raw


def test_writer_layout_is_canonical():
    meta, tensors = small_model()
    data = vaez.to_bytes(meta, tensors, created=CREATED)
    sections = vaez.read(data).sections
    assert [s.kind for s in sections[:2]] == [vaez.KIND_METADATA, vaez.KIND_TENSOR_INDEX]
    expected = vaez.align64(64 + 64 * len(sections))
    for s in sections:
        assert s.offset == expected and s.flags == vaez.FLAG_REQUIRED
        expected = vaez.align64(s.end)
    assert len(data) == expected + 40


@pytest.mark.parametrize("created", ["2026-01-01T00:00:00Z", "\u0662\u0660\u0662\u0666-01-01T00:00:00Z"])
def test_created_accepts_only_ascii_digits(created):
    # The spec's YYYY-MM-DD means ASCII digits, as the Swift reader checks; \\d would also match other scripts.
    meta, tensors = small_model()
    if created.isascii():
        assert vaez.read(vaez.to_bytes(meta, tensors, created=created)).metadata["created"] == created
    else:
        with pytest.raises(vaez.VaezError) as info:
            vaez.to_bytes(meta, tensors, created=created)
        assert info.value.rule == "metadata_invalid"


def test_writer_refuses_invalid_models():
    meta, tensors = small_model()
    with pytest.raises(vaez.VaezError) as info:
        vaez.to_bytes(meta, {**tensors, "mu.bias": np.zeros(4, np.float32)}, created=CREATED)
    assert info.value.rule == "shape_contract" and "mu.bias" in info.value.message
    broken = json.loads(json.dumps(meta))
    del broken["training"]["lr"]
    with pytest.raises(vaez.VaezError) as info:
        vaez.to_bytes(broken, tensors, created=CREATED)
    assert info.value.rule == "metadata_invalid" and "training.lr" in info.value.message
    with pytest.raises(vaez.VaezError):
        vaez.to_bytes({**meta, "latent": {"mean": [float("nan")] * 3, "std": [1.0] * 3}}, tensors, created=CREATED)


def test_zstd_is_used_only_when_it_saves_five_percent(monkeypatch):
    monkeypatch.setattr(vaez, "zstd_compress", lambda raw: b"z" * 95)
    assert vaez.encode_section(3, bytes(100), 4).codec == vaez.CODEC_ZSTD  # exactly 5% smaller
    monkeypatch.setattr(vaez, "zstd_compress", lambda raw: b"z" * 96)
    kept = vaez.encode_section(3, bytes(100), 4)
    assert (kept.codec, kept.filter, kept.element_size, kept.stored) == (0, 0, 0, bytes(100))


def test_zstd_sections_carry_one_frame_with_content_size():
    payload = vaez.encode_section(3, bytes(4000), 4)
    assert (payload.codec, payload.filter, payload.element_size) == (vaez.CODEC_ZSTD, vaez.FILTER_SHUFFLE, 4)
    import zstandard

    assert zstandard.frame_content_size(payload.stored) == 4000


def _zstd_entry(stored: bytes, raw_length: int) -> vaez.Entry:
    return vaez.Entry(id=1, kind=vaez.KIND_METADATA, flags=1, codec=vaez.CODEC_ZSTD, filter=0, element_size=0,
                      reserved_byte=0, checksum=zlib.crc32(stored), offset=0, stored_length=len(stored),
                      raw_length=raw_length, reserved_tail=bytes(24))


def test_zstd_frame_must_be_complete_even_when_all_content_is_there():
    import zstandard

    raw = b"metadata " * 50
    frame = zstandard.ZstdCompressor(write_checksum=True).compress(raw)
    assert vaez.read_section(frame, _zstd_entry(frame, len(raw)), 1 << 20) == raw
    cut = frame[:-4]  # only the frame checksum is missing: every content byte decodes
    with pytest.raises(vaez.VaezError) as info:
        vaez.read_section(cut, _zstd_entry(cut, len(raw)), 1 << 20)
    assert info.value.rule == "decompression_failed"


def test_byte_shuffle_matches_the_spec_formula():
    raw = bytes(range(24))
    for k in (1, 2, 4):
        n = len(raw) // k
        expected = bytearray(len(raw))
        for i in range(n):
            for j in range(k):
                expected[j * n + i] = raw[i * k + j]
        assert vaez.shuffle(raw, k) == bytes(expected)
        assert vaez.unshuffle(bytes(expected), k) == raw


def test_atomic_write_leaves_no_temp_file_and_keeps_target_on_failure(tmp_path):
    target = tmp_path / "model.vaez"
    target.write_bytes(b"old")

    def explode(f):
        f.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        vaez.atomic_write(target, explode)
    assert target.read_bytes() == b"old"
    meta, tensors = small_model()
    vaez.write(target, meta, tensors, created=CREATED)
    assert [p.name for p in tmp_path.iterdir()] == ["model.vaez"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~vaez._umask()  # not mkstemp's 0600


def _metadata_with(path: str, value) -> bytes:
    meta, _ = small_model()
    *parents, key = path.split(".")
    target = meta
    for parent in parents:
        target = target[parent]
    target[key] = value
    return json.dumps(meta).encode()


@pytest.mark.parametrize("path, value, valid", [
    ("training.epochs", 2**53 - 1, True),
    ("training.epochs", 2**53, False),
    ("training.epochs", 10.0, True),
    ("training.epochs", 1e1, True),
    ("training.epochs", 10.5, False),
    ("training.epochs", False, False),
    ("training.lr", 10**400, False),
    ("training.lr", None, True),
    ("architecture.hidden", [12, 0], False),
    ("architecture.z_dim", 2**31, False),
    ("architecture.input", {"height": 2**16, "width": 2**16, "channels": 1}, False),
    ("architecture.kind", "VAE", False),
    ("producer.git_commit", None, True),
    ("producer.name", None, False),
    ("created", "2026-02-30T00:00:00Z", False),
    ("created", "2026-11-24T18:00:00+00:00", False),
    ("created", "2026-11-24 18:00:00Z", False),
])
def test_metadata_types(path, value, valid):
    raw = _metadata_with(path, value)
    if valid:
        vaez.parse_metadata(raw)
        return
    with pytest.raises(vaez.VaezError) as info:
        vaez.parse_metadata(raw)
    assert info.value.rule == "metadata_invalid" and path.split(".")[-1] in info.value.message


# =============================================================================
# The data description (format 1.1)
# =============================================================================


def table_model():
    """The table golden's metadata (data, source) with fresh weights."""
    meta = copy.deepcopy(vaez.read(VECTORS / "table-gaussian-f32.vaez").metadata)
    return meta, make_vectors.make_weights(meta["architecture"], 3)


def test_writer_writes_minor_1_exactly_when_there_is_data(tmp_path):
    meta, tensors = table_model()
    vaez.write(tmp_path / "table.vaez", meta, tensors, created=CREATED)
    data = (tmp_path / "table.vaez").read_bytes()
    assert struct.unpack_from("<HH", data, 8) == (1, 1) and vaez.read(data).version == (1, 1)
    del meta["data"]
    meta["architecture"]["output_activation"] = "sigmoid"
    vaez.write(tmp_path / "plain.vaez", meta, tensors, created=CREATED)
    data = (tmp_path / "plain.vaez").read_bytes()
    assert struct.unpack_from("<HH", data, 8) == (1, 0) and vaez.read(data).version == (1, 0)
    assert "source" in vaez.read(data).metadata["training"]["dataset"]  # provenance alone stays 1.0


def test_a_1_0_file_has_no_data_and_means_a_bernoulli_image():
    model = vaez.read(VECTORS / "vae-f32.vaez")
    assert model.version == (1, 0) and "data" not in model.metadata
    assert "source" not in model.metadata["training"]["dataset"]
    assert model.data == vaez.DEFAULT_DATA == {
        "kind": "image", "likelihood": "bernoulli", "variance": None, "normalisation": None, "features": None,
        "classes": None,
    }
    assert vaez.read(VECTORS / "table-gaussian-f32.vaez").data["likelihood"] == "gaussian"


def test_data_and_source_round_trip_with_unknown_keys():
    meta, tensors = table_model()
    meta["data"]["future"] = {"kept": True}
    meta["data"]["normalisation"]["clip"] = 3.0
    meta["training"]["dataset"]["source"]["delimiter"] = ";"
    model = vaez.read(vaez.to_bytes(meta, tensors, created=CREATED))
    assert model.metadata == meta
    assert model.metadata["data"]["future"] == {"kept": True}


def _table_with(path: str, value) -> dict:
    meta, _ = table_model()
    *parents, key = path.split(".")
    target = meta
    for parent in parents:
        target = target[parent]
    if value is _ABSENT:
        del target[key]
    else:
        target[key] = value
    return meta


_ABSENT = object()


@pytest.mark.parametrize("path, value, failing", [
    ("data.kind", "image", None),
    ("data.kind", "tabular", "data.kind"),
    ("architecture.input", {"height": 1, "width": 5, "channels": 1}, None),
    ("architecture.input", {"height": 5, "width": 1, "channels": 1}, "data.kind"),
    ("architecture.input", {"height": 1, "width": 1, "channels": 5}, "data.kind"),
    ("architecture.output_activation", "sigmoid", "data.likelihood"),
    ("architecture.output_activation", "tanh", "data.likelihood"),
    ("data.likelihood", "bernoulli", "data.likelihood"),
    ("data.likelihood", "poisson", "data.likelihood"),
    ("data.variance", None, "data.variance"),
    ("data.variance", 0, "data.variance"),
    ("data.variance", -0.5, "data.variance"),
    ("data.variance", 5e-324, None),
    ("data.variance", True, "data.variance"),
    ("data.variance", _ABSENT, "data.variance"),
    ("data.normalisation", None, None),
    ("data.normalisation", [], "data.normalisation"),
    ("data.normalisation.std", [1.0, 1.0, 1.0, 1.0, -1.0], "data.normalisation.std"),
    ("data.normalisation.std", [1.0, 1.0, 1.0, 1.0], "data.normalisation.std"),
    ("data.normalisation.mean", [0, 0, 0, 0, 0], None),
    ("data.normalisation.mean", [0.0] * 6, "data.normalisation.mean"),
    ("data.normalisation.mean", _ABSENT, "data.normalisation.mean"),
    ("data.features", None, None),
    ("data.features", ["a", "b", "c", "d", 5], "data.features"),
    ("data.features", ["a"] * 4, "data.features"),
    ("data.classes", None, None),
    ("data.classes", [str(i) for i in range(256)], None),
    ("data.classes", [str(i) for i in range(257)], "data.classes"),
    ("data.classes", "dry,wet", "data.classes"),
    ("data", None, "data"),
    ("data", _ABSENT, None),  # no data: output_activation "identity" is not checked (1.0 files load as before)
    ("training.dataset.source", _ABSENT, None),
    ("training.dataset.source", None, "training.dataset.source"),
    ("training.dataset.source.path", None, "training.dataset.source.path"),
    ("training.dataset.source.format", "parquet", None),  # only the type is checked
    ("training.dataset.source.resize", [28, 28], None),
    ("training.dataset.source.resize", [28, 0], "training.dataset.source.resize"),
    ("training.dataset.source.channels", "3", "training.dataset.source.channels"),
    ("training.dataset.source.split_seed", 1.5, "training.dataset.source.split_seed"),
    ("training.dataset.source.test_fraction", _ABSENT, "training.dataset.source.test_fraction"),
])
def test_data_rules(path, value, failing):
    meta = _table_with(path, value)
    if failing is None:
        vaez.check_metadata(meta)
        return
    with pytest.raises(vaez.VaezError) as info:
        vaez.check_metadata(meta)
    assert info.value.rule == "metadata_invalid" and info.value.message.startswith(failing + ": "), str(info.value)


def test_bernoulli_has_no_variance():
    meta = vaez.read(VECTORS / "image-rgb-f32.vaez").metadata
    vaez.check_metadata(meta)
    meta["data"]["variance"] = 0.5
    with pytest.raises(vaez.VaezError) as info:
        vaez.check_metadata(meta)
    assert info.value.message.startswith("data.variance: a bernoulli likelihood has no variance")


def test_data_types_are_checked_before_the_cross_field_rules():
    # The likelihood pairing is a cross-field rule: a type error later in depth-first order still comes first.
    meta = _table_with("architecture.output_activation", "sigmoid")
    meta["data"]["classes"] = 7
    with pytest.raises(vaez.VaezError) as info:
        vaez.check_metadata(meta)
    assert info.value.message.startswith("data.classes: ")


def test_inspect_shows_the_data_description_within_80_columns(capsys):
    assert vaez.main(["inspect", str(VECTORS / "table-gaussian-f32.vaez")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "  data: table, gaussian (variance 0.25), normalised, 2 classes: dry, wet"
    assert lines[3] == "        5 features: température, pressure, humidity, wind_speed, rainfall"
    assert vaez.main(["inspect", str(VECTORS / "vae-f32.vaez")]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "  data: image, bernoulli (not recorded: the 1.0 default)"
    assert vaez.main(["inspect", "--json", str(VECTORS / "table-gaussian-f32.vaez")]) == 0
    assert json.loads(capsys.readouterr().out)["metadata"]["data"]["variance"] == 0.25


def test_data_lines_abbreviate_long_name_lists():
    meta, _ = table_model()
    meta["data"]["features"] = [f"feature_{i}" for i in range(300)]
    meta["data"]["classes"] = ["a" * 100, "b"]
    first, second = vaez.data_lines(meta, 72)
    assert first == "table, gaussian (variance 0.25), normalised, 2 classes: …"
    assert second.startswith("300 features: feature_0, feature_1, ") and second.endswith(", …")
    assert len(second) <= 72 and len(vaez.data_lines(meta, 72)) == 2


def _nested(depth: int) -> bytes:
    meta, _ = small_model()
    text = json.dumps(meta)
    # depth - 1 arrays inside the top-level object, the innermost holding a scalar (no depth of its own)
    return (text[:-1] + ',"extra":' + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "}").encode()


def test_metadata_nesting_limit():
    vaez.parse_metadata(_nested(64))
    with pytest.raises(vaez.VaezError) as info:
        vaez.parse_metadata(_nested(65))
    assert info.value.rule == "metadata_invalid" and "64" in info.value.message


@pytest.mark.parametrize("raw", [
    b"", b"\xef\xbb\xbf{}", b"[" * 100000, b'{"a":Infinity}', b"{}", b"null", b'{"a":1e400}', b'{"\\ud800":1}',
    b'{"a":1,"a":2}', b'{"b":{"a":1,"a":1}}',
])
def test_metadata_garbage_is_metadata_invalid(raw):
    with pytest.raises(vaez.VaezError) as info:
        vaez.parse_metadata(raw)
    assert info.value.rule == "metadata_invalid"


# =============================================================================
# Shape contract and limits
# =============================================================================


def test_shape_contract_names_and_shapes():
    shapes = vaez.expected_tensor_names(SMALL_ARCH)
    assert shapes == {
        "encoder.0.weight": (12, 30), "encoder.0.bias": (12,), "encoder.1.weight": (7, 12), "encoder.1.bias": (7,),
        "mu.weight": (3, 7), "mu.bias": (3,), "logvar.weight": (3, 7), "logvar.bias": (3,),
        "decoder.0.weight": (7, 3), "decoder.0.bias": (7,), "decoder.1.weight": (12, 7), "decoder.1.bias": (12,),
        "decoder.2.weight": (30, 12), "decoder.2.bias": (30,),
    }
    ae_flat = vaez.expected_tensor_names({**SMALL_ARCH, "kind": "ae", "hidden": []})
    assert ae_flat == {"mu.weight": (3, 30), "mu.bias": (3,), "decoder.0.weight": (30, 3), "decoder.0.bias": (30,)}


@pytest.mark.parametrize("limits, rule", [
    (vaez.Limits(max_header_length=64), "header_too_large"),
    (vaez.Limits(max_metadata_length=100), "limit_exceeded"),
    (vaez.Limits(max_tensor_index_length=100), "limit_exceeded"),
    (vaez.Limits(max_tensors=9), "too_many_tensors"),
    (vaez.Limits(max_tensor_bytes=1000), "limit_exceeded"),
])
def test_limits_are_configurable(limits, rule):
    data = (VECTORS / "vae-f32.vaez").read_bytes()
    vaez.read(data)
    with pytest.raises(vaez.VaezError) as info:
        vaez.read(data, limits)
    assert info.value.rule == rule


# =============================================================================
# Mutation: every damaged file is refused with a VaezError, never anything else
# =============================================================================

MUTATION_BASE = VECTORS / "vae-f32-nohidden.vaez"


def _read_outcome(data: bytes) -> str:
    try:
        vaez.read(data)
    except vaez.VaezError as exc:
        return exc.rule
    return "ok"


def test_every_single_byte_flip_is_refused():
    data = MUTATION_BASE.read_bytes()
    for i in range(len(data)):
        for mask in (0x01, 0xFF):
            mutated = bytearray(data)
            mutated[i] ^= mask
            assert _read_outcome(bytes(mutated)) != "ok", (i, mask)


def test_every_truncation_is_refused():
    data = MUTATION_BASE.read_bytes()
    for length in range(len(data)):
        assert _read_outcome(data[:length]) in ("too_short", "file_length_mismatch"), length


@pytest.mark.parametrize("base", ["vae-f32-nohidden.vaez", "vae-f32.vaez", "vae-int8.vaez"])
def test_resealed_byte_flips_raise_only_vaez_errors(base):
    """With every checksum recomputed, flips reach the deep checks; any other exception is a bug."""
    data = (VECTORS / base).read_bytes()
    assert _read_outcome(make_vectors.reseal(data)) == "ok"
    rules = collections.Counter()
    for i in range(len(data)):
        for mask in (0x01, 0xFF):
            mutated = bytearray(data)
            mutated[i] ^= mask
            rules[_read_outcome(make_vectors.reseal(bytes(mutated)))] += 1
    assert rules["sha256_mismatch"] < 10  # the reseal really reached the checks behind the hash
    assert len(rules) >= 15, rules


# =============================================================================
# CLI
# =============================================================================


def test_cli_verify_reports_ok_and_rule():
    ok = run_cli("verify", VECTORS / "vae-int8.vaez")
    assert ok.returncode == 0 and ok.stdout.strip().endswith(": ok")
    bad = run_cli("verify", VECTORS / "section-overlap.vaez")
    assert bad.returncode == 1
    assert bad.stderr.startswith(f"{VECTORS / 'section-overlap.vaez'}: section_overlap: ")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_cli_inspect_json(capsys):
    assert vaez.main(["inspect", str(VECTORS / "vae-bf16.vaez"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in info["tensors"]] == list(GOLDEN["vae-bf16.vaez"]["tensors"])
    assert {t["name"]: t["codec"] for t in info["tensors"]} == GOLDEN["vae-bf16.vaez"]["codecs"]
    assert info["metadata"]["architecture"]["z_dim"] == 2
    assert vaez.main(["inspect", str(VECTORS / "vae-bf16.vaez")]) == 0
    assert "decoder.1.weight" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["vae-int8.vaez", "table-gaussian-f32.vaez"])
def test_cli_to_npz(tmp_path, name):
    out = tmp_path / "model.npz"
    assert vaez.main(["to-npz", str(VECTORS / name), str(out)]) == 0
    model = vaez.read(VECTORS / name)
    with np.load(out) as npz:
        for name, values in model.tensors.items():
            assert np.array_equal(npz[name], values) and npz[name].dtype == np.float32
        assert json.loads(str(npz["__metadata__"])) == model.metadata


def _parse_safetensors(path: Path):
    data = path.read_bytes()
    (length,) = struct.unpack_from("<Q", data)
    header = json.loads(data[8 : 8 + length])
    return header, data[8 + length :]


@pytest.mark.parametrize("name", ["vae-f32.vaez", "table-gaussian-f32.vaez"])
def test_safetensors_round_trip_is_byte_identical(tmp_path, name):
    source = VECTORS / name
    st, back = tmp_path / "model.safetensors", tmp_path / "back.vaez"
    assert run_cli("to-safetensors", source, st).returncode == 0
    header, blob = _parse_safetensors(st)
    model = vaez.read(source)
    assert json.loads(header.pop("__metadata__")["vaez"]) == model.metadata
    assert list(header) == list(model.tensors)
    for name, info in header.items():
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32" and info["shape"] == list(model.tensors[name].shape)
        assert np.array_equal(np.frombuffer(blob[begin:end], "<f4").reshape(info["shape"]), model.tensors[name])
    result = run_cli("from-safetensors", st, back)
    assert result.returncode == 0, result.stderr
    assert back.read_bytes() == source.read_bytes()


def _foreign_safetensors(path: Path, mapping: dict, arch: dict) -> dict:
    ours = make_vectors.make_weights(arch, 5)
    inverse = {v: k for k, v in mapping.items()}
    foreign = {}
    for name, values in ours.items():
        layer, param = name.rsplit(".", 1)
        foreign[f"{inverse[layer]}.{param}"] = values
    path.write_bytes(vaez.safetensors_bytes(foreign, None))
    return ours


@pytest.mark.parametrize("mapping, hidden", [
    (vaez.PYTORCH_EXAMPLES_NAMES, [8]),
    (vaez.SEED_NAMES, [8, 6, 4]),
])
def test_import_foreign_safetensors(tmp_path, mapping, hidden):
    arch = {**SMALL_ARCH, "input": {"height": 28, "width": 28, "channels": 1}, "hidden": hidden}
    ours = _foreign_safetensors(tmp_path / "in.safetensors", mapping, arch)
    out = tmp_path / "out.vaez"
    result = run_cli("from-safetensors", tmp_path / "in.safetensors", out)
    assert result.returncode == 0, result.stderr
    model = vaez.read(out)
    assert model.metadata["architecture"] == arch
    assert model.metadata["training"]["epochs"] is None and model.metadata["latent"]["std"] == [1.0] * 3
    for name, values in ours.items():
        assert np.array_equal(model.tensors[name], values), name
    int8 = tmp_path / "out8.vaez"
    assert run_cli("from-safetensors", tmp_path / "in.safetensors", int8, "--dtype", "int8").returncode == 0
    assert vaez.read(int8).dtypes["mu.weight"] == "int8"


def test_import_needs_metadata_when_input_is_not_784(tmp_path):
    arch = {**SMALL_ARCH, "hidden": [8]}
    _foreign_safetensors(tmp_path / "in.safetensors", vaez.PYTORCH_EXAMPLES_NAMES, arch)
    refused = run_cli("from-safetensors", tmp_path / "in.safetensors", tmp_path / "out.vaez")
    assert refused.returncode == 1 and "--metadata" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.vaez").exists()
    (tmp_path / "meta.json").write_text(json.dumps({"architecture": {"input": arch["input"]}, "training": {"epochs": 3}}))
    ok = run_cli("from-safetensors", tmp_path / "in.safetensors", tmp_path / "out.vaez",
                 "--metadata", tmp_path / "meta.json")
    assert ok.returncode == 0, ok.stderr
    meta = vaez.read(tmp_path / "out.vaez").metadata
    assert meta["architecture"] == arch and meta["training"]["epochs"] == 3 and meta["training"]["lr"] is None


@pytest.mark.parametrize("args", [
    ["verify", "does-not-exist.vaez"],
    ["to-npz", "Formats/vectors/bad-dims.vaez", "out.npz"],
    ["from-safetensors", "Formats/vectors/vae-f32.vaez", "out.vaez"],
    ["inspect"],
])
def test_cli_errors_are_one_line(args):
    result = run_cli(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
