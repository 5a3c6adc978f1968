"""Tests for the Python client (Tools/vaeclient.py) and the examples, against a real vaed.

vaed and vaectl are taken from $VAE_BIN_DIR, else from `swift build --show-bin-path` (build them first: Tools/test
does). Run from the repository root: python3 -m pytest -q Tools/tests
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "Tools"
sys.path.insert(0, str(TOOLS))

import make_vectors  # noqa: E402
import vaeclient  # noqa: E402
import vaez  # noqa: E402


def bin_dir() -> Path:
    if os.environ.get("VAE_BIN_DIR"):
        return Path(os.environ["VAE_BIN_DIR"])
    shown = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    return Path(shown.stdout.strip()) if shown.returncode == 0 else ROOT / ".build" / "debug"


BIN = bin_dir()
VAED, VAECTL = BIN / "vaed", BIN / "vaectl"


def require_built(executable: Path) -> Path:
    """`executable`, or a failure naming it: a missing build must not pass as a skipped comparison."""
    if not executable.exists():
        pytest.fail(f"{executable} is not built: run swift build first (Tools/test does), or set VAE_BIN_DIR")
    return executable


def model_file(directory: Path, kind: str, seed: int, height: int = 28, width: int = 28) -> Path:
    """A small random grey model (28x28 unless told) written by the Python .vaez reference writer."""
    arch = {"kind": kind, "input": {"height": height, "width": width, "channels": 1}, "hidden": [32], "z_dim": 2,
            "activation": "relu", "output_activation": "sigmoid"}
    path = directory / (f"{kind}.vaez" if (height, width) == (28, 28) else f"{kind}-{height}x{width}.vaez")
    path.write_bytes(vaez.to_bytes(make_vectors.make_metadata(arch), make_vectors.make_weights(arch, seed)))
    return path


class Daemon:
    """The built vaed on a private socket."""

    def __init__(self, directory: Path, models: dict[str, Path], options: tuple[str, ...] = ()):
        require_built(VAED)
        self.socket = str(directory / "vaed.sock")
        arguments = [str(VAED), "--socket", self.socket, "--threads", "2", *options]
        for name, path in models.items():
            arguments += ["--model", f"{name}={path}"]
        self.log = open(directory / "vaed.log", "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(self.socket)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.02)
        self.stop()
        pytest.fail(f"vaed did not start: {(directory / 'vaed.log').read_text()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        return self.process.wait()


@pytest.fixture
def daemon(tmp_path):
    running = Daemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)})
    yield running
    assert running.stop() == 0


@pytest.fixture
def client(daemon):
    with vaeclient.Client(daemon.socket) as connected:
        yield connected


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, after checking the signature and the chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and struct.unpack(">I", data[16 + length:20 + length])[0] == zlib.crc32(data[12:16 + length])
    return struct.unpack(">II", data[16:24])


def square(shift: int = 0) -> bytes:
    pixels = bytearray(784)
    for y in range(8 + shift, 18 + shift):
        pixels[y * 28 + 9:y * 28 + 19] = b"\xe6" * 10
    return bytes(pixels)


# =============================================================================
# The client's methods
# =============================================================================


def test_hello_models_health_and_stats(client):
    assert client.hello()["protocol"] == 1
    models = client.models()
    assert [m["name"] for m in models] == ["digits"] and models[0]["image"] == {"height": 28, "width": 28, "channels": 1}
    assert client.health() == "ok"
    stats = client.stats()
    assert stats["requests"]["hello"] == 1 and stats["requests"]["health"] == 1
    assert "# TYPE vaed_requests_total counter" in client.stats(format="prometheus")


def test_sample_is_deterministic_and_shaped(client):
    first = client.sample(5, seed=7)
    assert first.images.shape == (5, 28, 28) and first.images.dtype == np.float32
    assert first.z.shape == (5, 2) and first.seed == 7
    assert 0 <= first.images.min() and first.images.max() <= 1
    again = client.sample(5, seed=7)
    assert np.array_equal(first.images, again.images) and np.array_equal(first.z, again.z)
    assert not np.array_equal(first.images, client.sample(5, seed=8).images)
    # Decoding the sampled codes gives the sampled images.
    assert np.allclose(client.decode(first.z), first.images, atol=1e-5)


def test_encode_decode_denoise_take_every_image_form(client):
    u8 = [square(0), square(2)]
    floats = np.frombuffer(b"".join(u8), dtype=np.uint8).reshape(2, 28, 28) / 255.0
    pngs = [vaeclient.png_image(vaeclient.png_bytes(28, 28, image)) for image in u8]
    codes = [client.encode(form)["z"] for form in (u8, floats, np.frombuffer(b"".join(u8), np.uint8).reshape(2, 28, 28),
                                                    pngs, [list(image) for image in floats.reshape(2, 784)])]
    for z in codes[1:]:
        assert np.allclose(z, codes[0], atol=1e-6)
    encoded = client.encode(u8)
    assert set(encoded) == {"z", "mu", "logvar"} and np.array_equal(encoded["z"], encoded["mu"])
    assert not np.array_equal(client.encode(u8, sample=True, seed=1)["z"], encoded["mu"])
    denoised = client.denoise(u8)
    assert denoised.shape == (2, 28, 28)
    as_bytes = client.denoise(u8, output="u8")
    assert as_bytes.dtype == np.uint8 and np.array_equal(as_bytes, np.rint(denoised * 255).astype(np.uint8))
    as_png = client.denoise(u8, output="png")
    assert [png_size(png) for png in as_png] == [(28, 28), (28, 28)]
    # denoise is decode(mu(x)).
    assert np.allclose(client.decode(encoded["mu"]), denoised, atol=1e-5)


def test_without_numpy_results_are_plain_lists(client, monkeypatch):
    monkeypatch.setattr(vaeclient, "np", None)
    samples = client.sample(2, seed=1)
    assert isinstance(samples.images, list) and len(samples.images) == 2 and len(samples.images[0]) == 28
    assert len(samples.images[0][0]) == 28 and isinstance(samples.z, list)
    assert [len(image) for image in client.denoise([square()], output="u8")] == [784]
    assert len(client.encode(samples.images)["z"]) == 2


# =============================================================================
# Errors
# =============================================================================


def test_daemon_errors_carry_code_type_message_and_data(client):
    with pytest.raises(vaeclient.VaedError) as unknown:
        client.sample(1, model="cats")
    error = unknown.value
    assert (error.code, error.type) == (-32001, "model_not_found")
    assert error.message == "No model named 'cats' is loaded." and error.data["models"] == ["digits"]
    assert str(error) == "No model named 'cats' is loaded. (model_not_found)"
    with pytest.raises(vaeclient.VaedError) as shape:
        client.encode([b"\x00" * 10])
    assert (shape.value.code, shape.value.type) == (-32602, "shape_mismatch")
    assert shape.value.data["expected"] == [784] and shape.value.data["got"] == [10]
    with pytest.raises(vaeclient.VaedError) as too_large:
        client.sample(100000)
    assert too_large.value.type == "too_large" and too_large.value.data["limit"] == 256
    with pytest.raises(vaeclient.VaedError) as method:
        client.call("encoed")
    assert method.value.code == -32601
    assert client.health() == "ok", "the connection stays usable after errors"


def test_table_models_take_and_return_rows_and_rgb_models_rgb_images(tmp_path):
    vectors = ROOT / "Formats" / "vectors"
    running = Daemon(tmp_path, {"weather": vectors / "table-gaussian-f32.vaez", "rgb": vectors / "image-rgb-f32.vaez"})
    try:
        with vaeclient.Client(running.socket, model="weather") as vaed:
            described = {m["name"]: m for m in vaed.models()}
            assert described["weather"]["data"]["kind"] == "table"
            assert described["weather"]["data"]["features"][1] == "pressure"
            rows = [[12.5, 1013.25, 0.625, 3.5, 0.75], [20.0, 1000.0, 0.5, 1.0, 0.0]]
            codes = vaed.encode(rows=rows)["z"]
            assert codes.shape == (2, 2)
            decoded = vaed.decode(codes)
            assert decoded.shape == (2, 5) and decoded.dtype == np.float32
            assert decoded[:, 1].min() > 900, "pressure in hPa: the daemon undid the normalisation"
            assert vaed.denoise(rows=np.asarray(rows)).shape == (2, 5)
            assert vaed.sample(3, seed=1).images.shape == (3, 5)
            with pytest.raises(vaeclient.VaedError) as refused:
                vaed.sample(1, output="png")
            assert refused.value.type == "invalid_params" and "table model" in refused.value.message
            with pytest.raises(ValueError):
                vaed.encode()
        with vaeclient.Client(running.socket, model="rgb") as vaed:
            images = vaed.sample(2, seed=3).images
            assert images.shape == (2, 2, 2, 3)
            u8 = vaed.denoise(np.zeros((1, 2, 2, 3), dtype=np.uint8), output="u8")
            assert u8.shape == (1, 2, 2, 3) and u8.dtype == np.uint8
            png = vaed.decode([[0.0, 0.0]], output="png")[0]
            assert png_size(png) == (2, 2) and png[25] == 2, "an RGB PNG (colour type 2)"
    finally:
        assert running.stop() == 0


def test_an_array_is_one_image_or_a_batch_by_the_models_shape(tmp_path):
    # (2, 2, 3) is one image for the 2x2 RGB model and two images for a 2x3 grey one: ndim cannot tell them apart.
    running = Daemon(tmp_path, {"rgb": ROOT / "Formats" / "vectors" / "image-rgb-f32.vaez",
                                "grey": model_file(tmp_path, "vae", 3, height=2, width=3)})
    array = np.arange(12, dtype=np.uint8).reshape(2, 2, 3) * 20
    try:
        with vaeclient.Client(running.socket, model="rgb") as vaed:
            one = vaed.encode(array)["mu"]
            assert one.shape == (1, 2), "one RGB image, one code"
            # The same image as the daemon's own u8 item: one image alone both times, so equal to float rounding.
            assert np.allclose(one, vaed.encode([array.tobytes()])["mu"], atol=1e-6)
            assert vaed.denoise(array / 255.0, output="u8").shape == (1, 2, 2, 3)
            assert vaed.encode(np.stack([array, array]))["mu"].shape == (2, 2)
            with pytest.raises(ValueError) as wrong:
                vaed.encode(np.zeros((2, 3, 3), dtype=np.uint8))
            assert str(wrong.value) == ("an array of shape (2, 3, 3) is not images of model 'rgb': it takes (2, 2, 3) "
                                        "for one image or (n, 2, 2, 3) for a batch")
        with vaeclient.Client(running.socket, model="grey") as vaed:
            two = vaed.encode(array)["mu"]
            assert two.shape == (2, 2), "a batch of two grey 2x3 images"
            assert np.allclose(two, vaed.encode([array[0].tobytes(), array[1].tobytes()])["mu"], atol=1e-6)
            assert vaed.encode(array[0])["mu"].shape == (1, 2), "(2, 3) is one grey image"
            with pytest.raises(ValueError) as wrong:
                vaed.denoise(np.zeros((4, 2, 2, 3)))
            assert "shape (4, 2, 2, 3)" in str(wrong.value) and "takes (2, 3) for one image or (n, 2, 3)" in str(
                wrong.value)
            # An unknown model is the daemon's to name, as for any other input.
            with pytest.raises(vaeclient.VaedError) as unknown:
                vaed.encode(array, model="cats")
            assert unknown.value.type == "model_not_found"
    finally:
        assert running.stop() == 0


def test_no_daemon_is_a_connection_error_with_the_hint(tmp_path):
    with pytest.raises(vaeclient.VaedUnavailable) as missing:
        vaeclient.Client(str(tmp_path / "none.sock"))
    assert "is vaed running? start it with: vaed --model NAME=FILE" in str(missing.value)
    assert isinstance(missing.value, ConnectionError)


def test_socket_path_resolution_matches_vaed(monkeypatch):
    monkeypatch.delenv("VAED_SOCKET", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert vaeclient.socket_path() == f"/tmp/vaed-{os.getuid()}/vaed.sock"
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/5")
    assert vaeclient.socket_path() == "/run/user/5/vaed.sock"
    monkeypatch.setenv("VAED_SOCKET", "/x/y.sock")
    assert vaeclient.socket_path() == "/x/y.sock" and vaeclient.socket_path("/z.sock") == "/z.sock"


def test_several_models_need_a_name(tmp_path):
    two = Daemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3), "auto": model_file(tmp_path, "ae", 4)})
    try:
        with vaeclient.Client(two.socket) as vaed:
            with pytest.raises(vaeclient.VaedError) as required:
                vaed.sample(1)
            assert required.value.type == "model_required" and required.value.data["models"] == ["auto", "digits"]
            # Python users pass model=: the error says so and names the loaded models.
            assert str(required.value) == ("Several models are loaded (auto, digits); pass model=NAME to the call, "
                                           "or Client(model=NAME). (model_required)")
            assert set(vaed.encode([square()], model="auto")) == {"z"}, "an AE gives z only"
        with vaeclient.Client(two.socket, model="digits") as vaed:
            assert vaed.sample(2, seed=1).images.shape == (2, 28, 28)
    finally:
        assert two.stop() == 0


# =============================================================================
# Examples
# =============================================================================


def run_example(script: str, *arguments, socket_path: str, env_extra: dict | None = None):
    env = {**os.environ, "VAED_SOCKET": socket_path, **(env_extra or {})}
    command = [sys.executable, str(TOOLS / "examples" / script)] if script.endswith(".py") else [
        str(TOOLS / "examples" / script)]
    return subprocess.run(command + [str(a) for a in arguments], capture_output=True, text=True, env=env, timeout=120)


def test_sample_digits_writes_a_png_grid_with_the_standard_library(daemon, tmp_path):
    out = tmp_path / "digits.png"
    result = run_example("sample_digits.py", "-n", "10", "--seed", "7", "-o", out, socket_path=daemon.socket)
    assert result.returncode == 0, result.stderr
    assert "10 images of 28x28, seed 7" in result.stdout
    assert png_size(out.read_bytes()) == (4 * 30 + 2, 3 * 30 + 2)
    # Same seed, same file; and the grid holds what vaectl's grid holds (same geometry, same pixels).
    again = tmp_path / "again.png"
    run_example("sample_digits.py", "-n", "10", "--seed", "7", "-o", again, socket_path=daemon.socket)
    assert again.read_bytes() == out.read_bytes()
    # The same request (count 10, seed 7, u8) on an idle daemon: the same batch, so the same pixels.
    ours = tmp_path / "vaectl.png"
    subprocess.run([str(require_built(VAECTL)), "sample", "-n", "10", "--seed", "7", "-o", str(ours),
                    "--socket", daemon.socket], check=True, capture_output=True, timeout=120)
    assert decode_grey_png(ours.read_bytes()) == decode_grey_png(out.read_bytes())
    bad = run_example("sample_digits.py", "--model", "cats", "-o", tmp_path / "x.png", socket_path=daemon.socket)
    assert bad.returncode == 1 and "No model named 'cats'" in bad.stderr


def decode_grey_png(data: bytes) -> bytes:
    """Pixels of an 8-bit grey, non-interlaced PNG (filters undone), for comparing two encoders' output."""
    assert data[25] == 0, "colour type 0: grey"
    return decode_png(data)


def decode_png(data: bytes) -> bytes:
    """Pixels of an 8-bit grey or RGB (colour type 0 or 2), non-interlaced PNG, filters undone."""
    width, height = png_size(data)
    channels = {0: 1, 2: 3}[data[25]]
    stride = width * channels
    offset, compressed = 8, b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            compressed += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw, rows, previous = zlib.decompress(compressed), [], bytearray(stride)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            # Filters work on bytes; the byte to the left is the same channel of the pixel before.
            left, up = row[x - channels] if x >= channels else 0, previous[x]
            upper_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                row[x] = (row[x] + left) & 255
            elif kind == 2:
                row[x] = (row[x] + up) & 255
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                row[x] = (row[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 255
        rows.append(bytes(row))
        previous = row
    return b"".join(rows)


def test_sample_digits_writes_rgb_grids_for_rgb_models_and_refuses_table_models(tmp_path):
    vectors = ROOT / "Formats" / "vectors"
    running = Daemon(tmp_path, {"weather": vectors / "table-gaussian-f32.vaez", "rgb": vectors / "image-rgb-f32.vaez"})
    try:
        out = tmp_path / "rgb.png"
        result = run_example("sample_digits.py", "--model", "rgb", "-n", "5", "--seed", "3", "-o", out,
                             socket_path=running.socket)
        assert result.returncode == 0, result.stderr
        assert "5 RGB images of 2x2, seed 3" in result.stdout
        data = out.read_bytes()
        assert data[25] == 2, "colour type 2: an RGB PNG"
        assert png_size(data) == (3 * 4 + 2, 2 * 4 + 2), "3 columns of 2x2 images, 2 pixels of black around each"
        # vaectl's grid of the same request holds the same pixels: each image's RGB bytes in place.
        ours = tmp_path / "vaectl.png"
        subprocess.run([str(require_built(VAECTL)), "--model", "rgb", "sample", "-n", "5", "--seed", "3", "-o",
                        str(ours), "--socket", running.socket], check=True, capture_output=True, timeout=120)
        assert decode_png(ours.read_bytes()) == decode_png(data)
        with vaeclient.Client(running.socket, model="rgb") as vaed:
            first = vaed.sample(5, seed=3, output="u8").images[0]
        pixels = decode_png(data)
        assert pixels[(2 * 14 + 2) * 3:(2 * 14 + 4) * 3] == first[0].tobytes(), "image 0's top row at (2, 2)"

        table = run_example("sample_digits.py", "--model", "weather", "-n", "3", "-o", tmp_path / "w.png",
                            socket_path=running.socket)
        assert table.returncode == 1 and not (tmp_path / "w.png").exists()
        assert ("model 'weather' is a table model and this example samples images; for its rows: "
                "vaectl --model weather sample -n 3 -o rows.csv") in table.stderr, table.stderr
    finally:
        assert running.stop() == 0


def test_denoise_folder_in_python_and_shell_give_the_daemons_images(daemon, tmp_path):
    noisy = tmp_path / "noisy"
    noisy.mkdir()
    for i in range(3):
        (noisy / f"scan{i}.png").write_bytes(vaeclient.png_bytes(28, 28, square(i)))
    result = run_example("denoise_folder.py", noisy, tmp_path / "py", socket_path=daemon.socket)
    assert result.returncode == 0, result.stderr
    with vaeclient.Client(daemon.socket) as vaed:
        expected = vaed.denoise([square(i) for i in range(3)], output="u8")
    for i in range(3):
        assert decode_grey_png((tmp_path / "py" / f"scan{i}.png").read_bytes()) == expected[i].tobytes()
    shell = run_example("denoise_folder.sh", noisy, tmp_path / "sh", socket_path=daemon.socket,
                        env_extra={"VAECTL": str(require_built(VAECTL))})
    assert shell.returncode == 0, shell.stderr
    for i in range(3):
        assert decode_grey_png((tmp_path / "sh" / f"scan{i}.png").read_bytes()) == expected[i].tobytes()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_example("denoise_folder.py", empty, tmp_path / "o", socket_path=daemon.socket).returncode == 2
    assert run_example("denoise_folder.sh", empty, tmp_path / "o", socket_path=daemon.socket).returncode == 2
    (noisy / "big.png").write_bytes(vaeclient.png_bytes(30, 28, bytes(840)))
    wrong = run_example("denoise_folder.py", noisy, tmp_path / "o", socket_path=daemon.socket)
    assert wrong.returncode == 1 and "shape_mismatch" in wrong.stderr
    unreachable = run_example("denoise_folder.py", noisy, tmp_path / "o", socket_path=str(tmp_path / "none.sock"))
    assert unreachable.returncode == 3 and "is vaed running?" in unreachable.stderr


def test_examples_ask_for_model_when_the_daemon_serves_several(tmp_path):
    two = Daemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3), "auto": model_file(tmp_path, "ae", 4)})
    try:
        noisy = tmp_path / "noisy"
        noisy.mkdir()
        (noisy / "scan.png").write_bytes(vaeclient.png_bytes(28, 28, square()))
        for script, arguments in [("denoise_folder.py", [noisy, tmp_path / "clean"]),
                                  ("sample_digits.py", ["-n", "4", "--seed", "1", "-o", tmp_path / "s.png"])]:
            unnamed = run_example(script, *arguments, socket_path=two.socket)
            assert unnamed.returncode == 1
            assert "several models are loaded (auto, digits); name one with --model NAME" in unnamed.stderr, unnamed.stderr
            named = run_example(script, *arguments, "--model", "digits", socket_path=two.socket)
            assert named.returncode == 0, named.stderr
        assert png_size((tmp_path / "clean" / "scan.png").read_bytes()) == (28, 28)
    finally:
        assert two.stop() == 0


def test_png_bytes_checks_its_size():
    with pytest.raises(ValueError):
        vaeclient.png_bytes(2, 2, b"\x00" * 3)
    with pytest.raises(ValueError):
        vaeclient.png_bytes(2, 2, b"\x00" * 4, channels=3)
    assert decode_grey_png(vaeclient.png_bytes(3, 2, bytes(range(6)))) == bytes(range(6))
    rgb = vaeclient.png_bytes(3, 2, bytes(range(18)), channels=3)
    assert rgb[25] == 2 and decode_png(rgb) == bytes(range(18))
    assert base64.b64decode(vaeclient.png_image(b"abc")["png"]) == b"abc"
