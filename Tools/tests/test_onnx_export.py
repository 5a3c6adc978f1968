"""`vae export --onnx`, `vae export --triton-repository` and `vae convert … .onnx` (Formats/onnx.md), checked with
the ONNX project's own checker, run with onnxruntime against the engine's forward pass (a built vaed answering the
Open Inference Protocol with binary FP32 tensors, so its floats arrive exactly), the config.pbtxt files parsed with
Triton's model_config.proto, and the interop path from a PyTorch model of the seed project's layout.

vae and vaed are taken from $VAE_BIN_DIR, else from `swift build --show-bin-path`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import tritonclient.http as triton_http
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_open_inference import NetworkDaemon  # noqa: E402
from test_vaeclient import BIN, require_built  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import make_vectors  # noqa: E402
import vaez  # noqa: E402

VAE = BIN / "vae"
F32_TOLERANCE = 1e-5  # the bound between onnxruntime and the engine, as protocol.md §6 between batchings
FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
PARTS = ("encoder", "decoder", "denoise")
METHODS = {"encoder": "encode", "decoder": "decode", "denoise": "denoise"}
ARCHITECTURES = {"seed": [400, 256, 128], "examples": [400]}  # the seed project's and pytorch/examples' layouts
SOURCE_DTYPES = ("f32", "f16", "bf16", "int8")


def vae(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([str(require_built(VAE)), *map(str, arguments)], capture_output=True, text=True, timeout=300)


def fashion_images(count: int) -> np.ndarray:
    """The first Fashion-MNIST test images in [0, 1], or random sparse images when the dataset is not installed."""
    if FASHION.exists():
        raw = gzip.decompress(FASHION.read_bytes())
        pixels = np.frombuffer(raw, np.uint8, count * 784, 16).reshape(count, 28, 28)
        return (pixels / np.float32(255)).astype(np.float32)
    rng = np.random.default_rng(5)
    return (rng.random((count, 28, 28)) * (rng.random((count, 28, 28)) < 0.5)).astype(np.float32)


def codes(count: int, z: int) -> np.ndarray:
    return np.random.default_rng(11).standard_normal((count, z)).astype(np.float32)


def write_model(directory: Path, kind: str, layout: str, dtype: str) -> Path:
    arch = {"kind": kind, "input": {"height": 28, "width": 28, "channels": 1}, "hidden": ARCHITECTURES[layout],
            "z_dim": 10 if layout == "seed" else 20, "activation": "relu", "output_activation": "sigmoid"}
    path = directory / f"{kind}-{layout}-{dtype}.vaez"
    path.write_bytes(vaez.to_bytes(make_vectors.make_metadata(arch), make_vectors.make_weights(arch, 3), dtype=dtype))
    return path


MODELS = [(kind, layout) for kind in ("vae", "ae") for layout in ARCHITECTURES]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every model (VAE and AE, both layouts, every .vaez dtype) exported as ONNX folders (f32 and f16 weights)
    and as Triton repositories; a vaed serving them all."""
    root = tmp_path_factory.mktemp("onnx")
    models, out = {}, {}
    for kind, layout in MODELS:
        for dtype in SOURCE_DTYPES:
            path = write_model(root, kind, layout, dtype)
            name = path.stem
            models[name] = path
            for weights in ("f32", "f16"):
                folder = root / f"{name}.{weights}"
                result = vae("export", path, "--onnx", folder, "--dtype", weights)
                assert result.returncode == 0, result.stderr
                repository = root / f"repo.{weights}"
                result = vae("export", path, "--triton-repository", repository, "--dtype", weights)
                assert result.returncode == 0, result.stderr
                out[name, weights] = (folder, repository)
    daemon = NetworkDaemon(root, models)
    digests = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in models.items()}
    yield {"models": models, "out": out, "daemon": daemon, "sha256": digests}
    assert daemon.stop() == 0


def graph_paths(exported, name: str, weights: str) -> list[tuple[str, Path]]:
    folder, repository = exported["out"][name, weights]
    return ([(f"flat {part}", folder / f"{part}.onnx") for part in PARTS]
            + [(f"triton {part}", repository / f"{name}.{METHODS[part]}" / "1" / "model.onnx") for part in PARTS])


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def engine(exported, name: str, method: str, name_in: str, array: np.ndarray, outputs: list[str]) -> dict:
    """The engine's answer over V2 HTTP with binary tensors (exact float32)."""
    client = triton_http.InferenceServerClient(exported["daemon"].url)
    try:
        tensor = triton_http.InferInput(name_in, list(array.shape), "FP32")
        tensor.set_data_from_numpy(array, binary_data=True)
        requested = [triton_http.InferRequestedOutput(o, binary_data=True) for o in outputs]
        result = client.infer(f"{name}.{method}", [tensor], outputs=requested)
        return {o: result.as_numpy(o) for o in outputs}
    finally:
        client.close()


def assert_close(actual: np.ndarray, expected: np.ndarray, tolerance: float, what: str):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} against {expected.shape}"
    difference = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
    assert difference <= tolerance, f"{what}: largest difference {difference} > {tolerance}"


# =============================================================================
# The checker
# =============================================================================


@pytest.mark.parametrize("kind, layout", MODELS)
@pytest.mark.parametrize("dtype", SOURCE_DTYPES)
@pytest.mark.parametrize("weights", ("f32", "f16"))
def test_checker_accepts_every_graph(exported, kind, layout, dtype, weights):
    name = f"{kind}-{layout}-{dtype}"
    for label, path in graph_paths(exported, name, weights):
        model = onnx.load(str(path))
        onnx.checker.check_model(model, full_check=True)
        assert model.opset_import[0].version == 17 and model.ir_version == 8, label
        assert {node.op_type for node in model.graph.node} <= {
            "Gemm", "Relu", "Sigmoid", "Reshape", "Identity", "Cast", "Mul", "Round"}, label
        props = {p.key: p.value for p in model.metadata_props}
        assert props["vae.source_sha256"] == exported["sha256"][name], label
        assert props["vae.weights"] == weights and props["vae.source_dtype"] == dtype, label
        metadata = vaez.read(exported["models"][name]).metadata
        assert props["vae.kind"] == kind and props["vae.dataset"] == metadata["training"]["dataset"]["name"], label
        assert json.loads(props["vae.architecture"]) == metadata["architecture"], label
        assert json.loads(props["vae.metadata"]) == metadata, label
        # The layers' parameters; the other constants are reshape targets (int64) and 255 (float).
        initializers = {t.data_type for t in model.graph.initializer if t.name.endswith((".weight", ".bias", ".f16"))}
        assert initializers == {onnx.TensorProto.FLOAT if weights == "f32" else onnx.TensorProto.FLOAT16}, label


# =============================================================================
# onnxruntime against the engine
# =============================================================================


@pytest.mark.parametrize("kind, layout", MODELS)
@pytest.mark.parametrize("dtype", SOURCE_DTYPES)
@pytest.mark.parametrize("count", (1, 16))
def test_f32_graphs_match_the_engine(exported, kind, layout, dtype, count):
    """Every f32 graph, flat and Triton, on test images and codes, within 1e-5 of vaed's forward pass on the .vaez
    it came from (an int8 or bf16 file dequantised, as vaed dequantises it)."""
    name = f"{kind}-{layout}-{dtype}"
    check_against_engine(exported, name, "f32", count)


@pytest.mark.parametrize("kind, layout", MODELS)
@pytest.mark.parametrize("count", (1, 16))
def test_f16_graphs_match_the_f16_vaez(exported, kind, layout, count):
    """f16 weights are the f16 .vaez's weights (both round to nearest even), computed in float32: within 1e-5 of
    vaed serving the f16 .vaez."""
    check_against_engine(exported, f"{kind}-{layout}-f16", "f16", count, source=f"{kind}-{layout}-f32")


def check_against_engine(exported, name: str, weights: str, count: int, source: str | None = None):
    kind = name.split("-")[0]
    images = fashion_images(count)
    paths = dict(graph_paths(exported, source or name, weights))
    expected = engine(exported, name, "encode", "images", images, ["mu", "z"] + (["logvar"] if kind == "vae" else []))
    z_dim = expected["mu"].shape[1]
    flat = images.reshape(count, 784)

    got = session(paths["flat encoder"]).run(None, {"x": flat})
    names = [o.name for o in session(paths["flat encoder"]).get_outputs()]
    got = dict(zip(names, got))
    assert_close(got["mu" if kind == "vae" else "z"], expected["mu"], F32_TOLERANCE, f"{name} flat mu")
    if kind == "vae":
        assert_close(got["logvar"], expected["logvar"], F32_TOLERANCE, f"{name} flat logvar")
    triton = session(paths["triton encoder"])
    got = dict(zip([o.name for o in triton.get_outputs()], triton.run(None, {"images": images})))
    for output in expected:
        assert_close(got[output], expected[output], F32_TOLERANCE, f"{name} triton {output}")

    z = codes(count, z_dim)
    decoded = engine(exported, name, "decode", "z", z, ["images_fp32", "images"])
    flat_x = session(paths["flat decoder"]).run(["x"], {"z": z})[0]
    assert_close(flat_x.reshape(count, 28, 28), decoded["images_fp32"], F32_TOLERANCE, f"{name} flat decoder")
    assert float(flat_x.min()) >= 0 and float(flat_x.max()) <= 1
    fp32, u8 = session(paths["triton decoder"]).run(["images_fp32", "images"], {"z": z})
    assert_close(fp32, decoded["images_fp32"], F32_TOLERANCE, f"{name} triton decoder")
    assert u8.dtype == np.uint8 and int(np.max(np.abs(u8.astype(int) - decoded["images"].astype(int)))) <= 1

    denoised = engine(exported, name, "denoise", "images", images, ["images_fp32"])["images_fp32"]
    flat_r = session(paths["flat denoise"]).run(["reconstruction"], {"x": flat})[0]
    assert_close(flat_r.reshape(count, 28, 28), denoised, F32_TOLERANCE, f"{name} flat denoise")
    triton_r = session(paths["triton denoise"]).run(["images_fp32"], {"images": images})[0]
    assert_close(triton_r, denoised, F32_TOLERANCE, f"{name} triton denoise")


def test_f16_weights_are_within_the_vaez_f16_bound(exported):
    """Formats/vaez.md §7.3: abs(x − y) ≤ max(2^−11·abs(x), 2^−25) for each weight."""
    source = vaez.read(exported["models"]["vae-seed-f32"])
    model = onnx.load(str(exported["out"]["vae-seed-f32", "f16"][0] / "encoder.onnx"))
    for tensor in model.graph.initializer:
        if tensor.data_type != onnx.TensorProto.FLOAT16:
            continue
        x = source.tensors[tensor.name.removesuffix(".f16")].astype(np.float64)
        y = onnx.numpy_helper.to_array(tensor).astype(np.float64)
        assert np.all(np.abs(x - y) <= np.maximum(2.0 ** -11 * np.abs(x), 2.0 ** -25)), tensor.name


def test_batch_dimension_is_dynamic(exported):
    path = exported["out"]["ae-examples-f32", "f32"][0] / "encoder.onnx"
    run = session(path)
    for count in (1, 3, 64):
        assert run.run(None, {"x": fashion_images(count).reshape(count, 784)})[0].shape == (count, 20)


# =============================================================================
# Triton's model configuration
# =============================================================================


def onnx_type(value) -> tuple[str, list[int]]:
    tensor = value.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
    kinds = {onnx.TensorProto.FLOAT: "TYPE_FP32", onnx.TensorProto.UINT8: "TYPE_UINT8"}
    return kinds[tensor.elem_type], dims


@pytest.mark.parametrize("kind, layout", MODELS)
def test_every_config_pbtxt_parses_and_matches_its_graph(exported, kind, layout):
    name = f"{kind}-{layout}-f32"
    repository = exported["out"][name, "f32"][1]
    for part, method in METHODS.items():
        folder = repository / f"{name}.{method}"
        config = text_format.Parse((folder / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
        assert config.name == folder.name and config.platform == "onnxruntime_onnx"
        assert config.max_batch_size == 256 and config.HasField("dynamic_batching")
        assert sorted(p.name for p in repository.iterdir() if p.name.startswith(name + ".")) == sorted(
            f"{name}.{m}" for m in METHODS.values())
        assert [p.name for p in folder.iterdir()] and (folder / "1" / "model.onnx").is_file()
        graph = onnx.load(str(folder / "1" / "model.onnx")).graph
        for declared, values in ((config.input, graph.input), (config.output, graph.output)):
            assert [t.name for t in declared] == [v.name for v in values]
            for tensor, value in zip(declared, values):
                data_type, dims = onnx_type(value)
                assert model_config_pb2.DataType.Name(tensor.data_type) == data_type
                assert [-1, *tensor.dims] == dims  # max_batch_size > 0: dims leave out the batch


def test_triton_models_have_vaeds_names_and_tensors(exported):
    """The V2 models and tensor names a vaed client uses exist in the repository with the same shapes."""
    client = triton_http.InferenceServerClient(exported["daemon"].url)
    try:
        name = "vae-seed-f32"
        repository = exported["out"][name, "f32"][1]
        for method in METHODS.values():
            served = client.get_model_metadata(f"{name}.{method}")
            config = text_format.Parse((repository / f"{name}.{method}" / "config.pbtxt").read_text(),
                                       model_config_pb2.ModelConfig())
            for tensor in config.input:
                match = [t for t in served["inputs"] if t["name"] == tensor.name]
                assert match and match[0]["shape"] == [-1, *tensor.dims]
            for tensor in config.output:
                match = [t for t in served["outputs"] if t["name"] == tensor.name]
                assert match and match[0]["shape"] == [-1, *tensor.dims], (method, tensor.name)
    finally:
        client.close()


# =============================================================================
# Commands and errors
# =============================================================================


def test_convert_writes_one_graph_and_refuses_bad_input(exported, tmp_path):
    source = exported["models"]["vae-seed-f32"]
    result = vae("convert", source, tmp_path / "dec.onnx", "--part", "decoder", "--dtype", "f16")
    assert result.returncode == 0, result.stderr
    model = onnx.load(str(tmp_path / "dec.onnx"))
    assert [i.name for i in model.graph.input] == ["z"] and [o.name for o in model.graph.output] == ["x"]
    assert "the decoder graph, flat layout, opset 17, f16 weights" in result.stdout, result.stdout
    result = vae("convert", source, tmp_path / "enc.onnx", "--part", "encoder", "--layout", "images")
    assert "images layout" in result.stdout, result.stdout
    help_text = " ".join(vae("convert", "--help").stdout.split())
    assert "(.safetensors, .vaez or .onnx)" in help_text and "f32 or f16 for .onnx" in help_text, help_text
    assert result.returncode == 0 and [i.name for i in onnx.load(str(tmp_path / "enc.onnx")).graph.input] == ["images"]
    before = (tmp_path / "enc.onnx").read_bytes()
    result = vae("convert", source, tmp_path / "enc.onnx", "--part", "encoder")
    assert result.returncode == 1 and "enc.onnx already exists" in result.stderr, result.stderr
    assert "pass --overwrite to replace it" in result.stderr and (tmp_path / "enc.onnx").read_bytes() == before
    result = vae("convert", source, tmp_path / "enc.onnx", "--part", "encoder", "--overwrite")
    assert result.returncode == 0 and [i.name for i in onnx.load(str(tmp_path / "enc.onnx")).graph.input] == ["x"]
    # A training folder is a source, as for vae export; extensions are matched in any case.
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.vaez").write_bytes(source.read_bytes())
    result = vae("convert", run, tmp_path / "x4.ONNX", "--part", "encoder")
    assert result.returncode == 0, result.stderr
    onnx.checker.check_model(onnx.load(str(tmp_path / "x4.ONNX")))
    result = vae("inspect", tmp_path / "x4.ONNX")
    assert result.returncode == 1 and "is an ONNX graph, not a .vaez model" in result.stderr, result.stderr
    result = vae("verify", tmp_path / "x4.ONNX")
    assert result.returncode == 1 and "is an ONNX graph, not a .vaez model" in result.stdout, result.stdout
    assert "bad_magic" not in result.stdout
    # A folder without model.vaez: resume is suggested only when a checkpoint is there to resume from.
    empty = tmp_path / "emptydir"
    empty.mkdir()
    result = vae("export", empty, "--onnx", tmp_path / "q")
    assert result.returncode == 1 and "has no model.vaez" in result.stderr and "--resume" not in result.stderr
    (empty / "checkpoint.vaeckpt").write_bytes(b"")
    result = vae("export", empty, "--onnx", tmp_path / "q")
    assert result.returncode == 1 and f"vae train --resume --out {empty}" in result.stderr

    for arguments, fragment in [
        (("convert", source, tmp_path / "x.onnx", "--part", "decode"), "--part"),
        (("convert", source, tmp_path / "x.onnx"), "--part"),
        (("convert", source, tmp_path / "x.onnx", "--part", "encoder", "--dtype", "int8"), "f32 or f16"),
        (("export", source, "--onnx", tmp_path / "o", "--dtype", "bf16"), "f32 or f16"),
        (("export", source, "--onnx", tmp_path / "o", "-o", tmp_path / "x.vaez"), "exactly one"),
        (("export", source), "exactly one"),
        (("export", source, "--triton-repository", tmp_path / "o", "--layout", "flat"), "--layout is for --onnx"),
        (("export", source, "--onnx", tmp_path / "o", "--name", "x"), "--name is for --triton-repository"),
        (("export", source, "-o", tmp_path / "x.vaez", "--layout", "flat"), "--layout is for --onnx (not -o)"),
        (("export", source, "--onnx", tmp_path / "model.onnx"), "--part encoder|decoder|denoise"),
        (("export", source, "--triton-repository", tmp_path / "config.PBTXT"), "takes a folder"),
        (("export", source, "--onnx", ""), "--onnx is an empty path"),
        (("export", "", "--onnx", tmp_path / "o"), "SOURCE is an empty path"),
        (("convert", source, tmp_path / "model.onx"), "OUTPUT must end in .vaez, .safetensors or .onnx"),
        (("export", source, "--triton-repository", tmp_path / "o", "--max-batch-size", "0"), "between 1 and 65536"),
        (("export", source, "-o", tmp_path / "x.onnx"), "--onnx DIR"),
        (("convert", source, tmp_path / "x.safetensors", "--layout", "images"), "--layout is for a .onnx output"),
        (("convert", source, tmp_path / "x.vaez", "--layout", "flat"), "--layout is for a .onnx output"),
        (("convert", source, tmp_path / "x.onnx", "--part", "encoder", "--metadata", source), "--metadata is for"),
        (("convert", source, tmp_path / "x.safetensors", "--dtype", "f16"), "--dtype is for a .vaez or .onnx"),
        (("export", source, "-o", tmp_path / "x.safetensors"), "FILE.safetensors"),
    ]:
        result = vae(*arguments)
        assert result.returncode == 64, (arguments, result.returncode, result.stderr)
        assert fragment in result.stderr, (arguments, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.onnx").exists() and not (tmp_path / "o").exists()
    assert not (tmp_path / "x.safetensors").exists() and not (tmp_path / "model.onnx").exists()
    # A usage error of a subcommand shows that subcommand's usage.
    assert "vae convert <input> <output>" in vae("convert", source, tmp_path / "model.onx").stderr

    # The input is checked first: a missing input is reported as such (exit 1), even when the output exists.
    (tmp_path / "e.onnx").write_bytes(b"")
    for missing in (tmp_path / "nope", tmp_path / "nope.vaez"):
        result = vae("convert", missing, tmp_path / "e.onnx", "--part", "encoder")
        assert result.returncode == 1 and f"{missing}: no such file or folder" in result.stderr, result.stderr
    result = vae("convert", tmp_path / "e.onnx", tmp_path / "x.onnx", "--part", "encoder")
    assert result.returncode == 1 and "is an ONNX graph: it cannot be converted" in result.stderr, result.stderr

    # -o refuses an existing file unless --overwrite, as the other outputs do.
    vaez = tmp_path / "x.vaez"
    assert vae("export", source, "-o", vaez).returncode == 0
    result = vae("export", source, "-o", vaez, "--dtype", "f16")
    assert result.returncode == 1 and "pass --overwrite to replace it" in result.stderr, result.stderr
    assert vae("export", source, "-o", vaez, "--dtype", "f16", "--overwrite").returncode == 0

    folder = exported["out"]["vae-seed-f32", "f32"][0]
    result = vae("export", source, "--onnx", folder)
    assert result.returncode == 1 and "already exists" in result.stderr and "--overwrite" in result.stderr
    result = vae("export", source, "--triton-repository", tmp_path / "r", "--name", "../escape")
    assert result.returncode == 1 and "model name" in result.stderr and not (tmp_path / "r").exists()
    # A name taken from the folder says so and suggests --name.
    run = tmp_path / "my run"
    run.mkdir()
    (run / "model.vaez").write_bytes(source.read_bytes())
    result = vae("export", run, "--triton-repository", tmp_path / "r")
    assert result.returncode == 1 and "from SOURCE's name" in result.stderr and "--name NAME" in result.stderr
    assert not (tmp_path / "r").exists()


def test_triton_model_name_follows_vaed(exported, tmp_path):
    source = exported["models"]["ae-examples-f32"]
    run = tmp_path / "runs" / "fashion"
    run.mkdir(parents=True)
    (run / "model.vaez").write_bytes(source.read_bytes())
    assert vae("export", run, "--triton-repository", tmp_path / "repo").returncode == 0
    folders = sorted(p.name for p in (tmp_path / "repo").iterdir())
    assert folders == ["fashion.decode", "fashion.denoise", "fashion.encode"]
    # `.` and trailing slashes are the real folder's name; a model file is named by its stem, as vaed does.
    for argument, name in [(".", "fashion"), ("./", "fashion"), (f"{run}/", "fashion"), ("model.vaez", "model")]:
        repo = tmp_path / f"repo-{name}-{len(argument)}"
        result = subprocess.run([str(require_built(VAE)), "export", argument, "--triton-repository", repo],
                                capture_output=True, text=True, timeout=300, cwd=run)
        assert result.returncode == 0, (argument, result.stderr)
        assert sorted(p.name for p in repo.iterdir()) == [f"{name}.decode", f"{name}.denoise", f"{name}.encode"]


def test_messages_fit_80_columns(exported, tmp_path):
    """Our own lines and the usage lines stay within 80 columns for short paths, as does --help."""
    source = exported["models"]["vae-seed-f32"]
    for arguments in [("export", source, "--onnx", tmp_path / "o"),
                      ("export", source, "--triton-repository", tmp_path / "r"),
                      ("export", source, "--triton-repository", tmp_path / "r2", "--name", "bad name"),
                      ("export", source, "-o", tmp_path / "x.onnx"),
                      ("export", source, "--onnx", tmp_path / "o2", "--name", "n", "--max-batch-size", "2"),
                      ("export", source, "--triton-repository", tmp_path / "r3", "--layout", "flat"),
                      ("export", source, "--onnx", tmp_path / "m.onnx"),
                      ("convert", source, tmp_path / "e2.onnx", "--part", "encoder", "--metadata", source),
                      ("convert", tmp_path / "nope", tmp_path / "e3.onnx", "--part", "encoder"),
                      ("convert", tmp_path / "x.safetensors", tmp_path / "e4.onnx", "--part", "encoder"),
                      ("convert", source, tmp_path / "e.onnx", "--part", "encoder"),
                      ("export", "--help"), ("convert", "--help"), ("export", source),
                      ("convert", source, tmp_path / "x.onx")]:
        result = vae(*arguments)
        for line in (result.stdout + result.stderr).splitlines():
            assert len(line.replace(str(tmp_path), "T").replace(str(source), "S")) <= 80, (arguments, line)


@pytest.mark.parametrize("script", ["onnx_dtypes.py", "onnx_encoder.py"])
def test_bench_scripts_help_and_missing_vae(script, tmp_path):
    path = Path(__file__).resolve().parents[1] / "bench" / script
    help_text = subprocess.run([sys.executable, path, "--help"], capture_output=True, text=True, timeout=120).stdout
    doc = " ".join(((__import__("ast").get_docstring(__import__("ast").parse(path.read_text()))) or "").split())
    assert doc and doc in " ".join(help_text.split()), help_text
    result = subprocess.run([sys.executable, path, str(tmp_path / "m.vaez"), "--vae", tmp_path / "none"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "swift build -c release" in result.stderr, result.stderr
    # vae failing (a bad model path): its own error on one line, exit 1, no traceback.
    fake = tmp_path / "fake-vae"
    fake.write_text("#!/bin/sh\necho 'error: m.vaez: No such file' >&2\nexit 1\n")
    fake.chmod(0o755)
    result = subprocess.run([sys.executable, path, str(tmp_path / "m.vaez"), "--vae", fake],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == "vae export failed: error: m.vaez: No such file", result.stderr
    # The help text fits 80 columns.
    assert all(len(line) <= 80 for line in help_text.splitlines()), help_text


def test_triton_overwrite_replaces_each_model_folder_whole(exported, tmp_path):
    source, repo = exported["models"]["vae-seed-f32"], tmp_path / "repo"
    assert vae("export", source, "--triton-repository", repo, "--name", "m").returncode == 0
    stale = repo / "m.encode" / "2"
    stale.mkdir()
    (stale / "model.onnx").write_bytes(b"stale")
    (repo / "m.decode" / "notes.txt").write_text("stray")
    (repo / "other").mkdir()  # another model in the repository is left alone
    result = vae("export", source, "--triton-repository", repo, "--name", "m")
    assert result.returncode == 1 and "already exists" in result.stderr and stale.exists()
    result = vae("export", source, "--triton-repository", repo, "--name", "m", "--overwrite")
    assert result.returncode == 0, result.stderr
    assert not stale.exists() and not (repo / "m.decode" / "notes.txt").exists()
    assert sorted(p.name for p in repo.iterdir()) == ["m.decode", "m.denoise", "m.encode", "other"]
    for method in ("encode", "decode", "denoise"):
        assert sorted(p.name for p in (repo / f"m.{method}").iterdir()) == ["1", "config.pbtxt"]
        assert [p.name for p in (repo / f"m.{method}" / "1").iterdir()] == ["model.onnx"]
        onnx.checker.check_model(onnx.load(str(repo / f"m.{method}" / "1" / "model.onnx")))


# =============================================================================
# Interop: a PyTorch model of the seed project's layout → safetensors → .vaez → .onnx
# =============================================================================


def seed_forward(weights: dict[str, np.ndarray], images: np.ndarray):
    """The seed project's VAE forward pass (fc1–fc3 ReLU, fc41/fc42 heads, fc5–fc7 ReLU, fc8 sigmoid) in PyTorch
    when it is installed, else the same arithmetic in numpy float64."""
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        layers = {name: torch.nn.Linear(*reversed(weights[f"{name}.weight"].shape)) for name in
                  ("fc1", "fc2", "fc3", "fc41", "fc42", "fc5", "fc6", "fc7", "fc8")}
        with torch.no_grad():
            for name, layer in layers.items():
                layer.weight.copy_(torch.from_numpy(weights[f"{name}.weight"]))
                layer.bias.copy_(torch.from_numpy(weights[f"{name}.bias"]))
            x = torch.from_numpy(images)
            h = torch.relu(layers["fc3"](torch.relu(layers["fc2"](torch.relu(layers["fc1"](x))))))
            mu, logvar = layers["fc41"](h), layers["fc42"](h)
            d = torch.relu(layers["fc7"](torch.relu(layers["fc6"](torch.relu(layers["fc5"](mu))))))
            return mu.numpy(), logvar.numpy(), torch.sigmoid(layers["fc8"](d)).numpy()

    def linear(name, x):
        return x @ weights[f"{name}.weight"].astype(np.float64).T + weights[f"{name}.bias"]
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    h = relu(linear("fc3", relu(linear("fc2", relu(linear("fc1", images.astype(np.float64)))))))
    mu, logvar = linear("fc41", h), linear("fc42", h)
    d = relu(linear("fc7", relu(linear("fc6", relu(linear("fc5", mu))))))
    return mu, logvar, 1 / (1 + np.exp(-linear("fc8", d)))


def test_seed_pytorch_model_runs_after_convert_to_vaez_to_onnx(tmp_path):
    arch = {"kind": "vae", "input": {"height": 28, "width": 28, "channels": 1}, "hidden": [400, 256, 128],
            "z_dim": 20, "activation": "relu", "output_activation": "sigmoid"}
    ours = make_vectors.make_weights(arch, 17)
    inverse = {v: k for k, v in vaez.SEED_NAMES.items()}
    seed = {f"{inverse[n.rsplit('.', 1)[0]]}.{n.rsplit('.', 1)[1]}": v for n, v in ours.items()}
    (tmp_path / "seed.safetensors").write_bytes(vaez.safetensors_bytes(seed, None))
    result = vae("convert", tmp_path / "seed.safetensors", tmp_path / "seed.vaez")
    assert result.returncode == 0, result.stderr
    for part in PARTS:
        result = vae("convert", tmp_path / "seed.vaez", tmp_path / f"{part}.onnx", "--part", part)
        assert result.returncode == 0, result.stderr
        onnx.checker.check_model(onnx.load(str(tmp_path / f"{part}.onnx")), full_check=True)

    images = fashion_images(8).reshape(8, 784)
    mu, logvar, reconstruction = seed_forward(seed, images)
    got_mu, got_logvar = session(tmp_path / "encoder.onnx").run(["mu", "logvar"], {"x": images})
    assert_close(got_mu, mu, F32_TOLERANCE, "seed mu")
    assert_close(got_logvar, logvar, F32_TOLERANCE, "seed logvar")
    got = session(tmp_path / "denoise.onnx").run(["reconstruction"], {"x": images})[0]
    assert_close(got, reconstruction, F32_TOLERANCE, "seed denoise")
    decoded = session(tmp_path / "decoder.onnx").run(["x"], {"z": np.asarray(mu, np.float32)})[0]
    assert_close(decoded, reconstruction, F32_TOLERANCE, "seed decoder")
