"""The Open Inference Protocol (KServe V2) against a built vaed, with Triton's own Python client (tritonclient),
over HTTP (JSON and binary tensors) and gRPC, compared with protocol v1's answers on the Unix socket; the
errors, auth, health probes across reload and drain, /metrics through prometheus_client's parser, and bad
input on the network surfaces.

vaed is taken from $VAE_BIN_DIR, else from `swift build --show-bin-path`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as triton_http
from prometheus_client.parser import text_string_to_metric_families
from tritonclient.utils import InferenceServerException

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vaeclient import VAED, model_file, require_built  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vaeclient  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NetworkDaemon:
    """The built vaed with its Unix socket and an HTTP listener on a free loopback port."""

    def __init__(self, directory: Path, models: dict[str, Path], *extra: str):
        require_built(VAED)
        self.directory = directory
        self.socket = str(directory / "vaed.sock")
        self.port = free_port()
        self.url = f"127.0.0.1:{self.port}"
        arguments = [str(VAED), "--socket", self.socket, "--http", self.url, "--threads", "2", *extra]
        for name, path in models.items():
            arguments += ["--model", f"{name}={path}"]
        self.log_path = directory / "vaed.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/v2/health/live")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        pytest.fail(f"vaed did not start: {self.log_path.read_text()}")

    def exchange(self, raw: bytes, timeout: float = 10) -> bytes:
        """Sends raw bytes on a new connection and returns everything the server sends until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(raw)
            chunks = []
            while True:
                try:
                    chunk = connection.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        return self.request("GET", path, b"", headers)

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", "Host: test", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        answer = self.exchange(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head, _, payload = answer.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), payload

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
def served(tmp_path):
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3), "plain": model_file(tmp_path, "ae", 4)})
    yield daemon
    assert daemon.stop() == 0


@pytest.fixture
def http(served):
    client = triton_http.InferenceServerClient(served.url)
    yield client
    client.close()


def images_u8(count: int = 3, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


def http_input(name: str, array: np.ndarray, datatype: str, binary: bool) -> triton_http.InferInput:
    tensor = triton_http.InferInput(name, list(array.shape), datatype)
    tensor.set_data_from_numpy(array, binary_data=binary)
    return tensor


# =============================================================================
# Endpoints
# =============================================================================


def test_every_endpoint_answers_as_tritonclient_expects(http):
    assert http.is_server_live() and http.is_server_ready()
    server = http.get_server_metadata()
    assert server["name"] == "vaed" and "binary_tensor_data" in server["extensions"]
    names = [f"{model}.{method}" for model in ("digits", "plain") for method in ("encode", "decode", "denoise", "sample")]
    for name in names:
        assert http.is_model_ready(name)
        metadata = http.get_model_metadata(name)
        assert metadata["name"] == name and len(metadata["versions"][0]) == 12
        config = http.get_model_config(name)
        assert config["name"] == name and "max_batch_size" in config and config["input"] and config["output"]
    encode = http.get_model_metadata("digits.encode")
    assert encode["inputs"] == [{"name": "images", "datatype": "UINT8", "shape": [-1, 28, 28]}]
    assert [o["name"] for o in encode["outputs"]] == ["mu", "logvar", "z"]
    assert [o["name"] for o in http.get_model_metadata("plain.encode")["outputs"]] == ["mu", "z"]
    version = encode["versions"][0]
    assert http.is_model_ready("digits.encode", model_version=version)
    assert not http.is_model_ready("digits.encode", model_version="000000000000")
    assert not http.is_model_ready("cats.encode")


# =============================================================================
# Inference agrees with protocol v1
# =============================================================================


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
@pytest.mark.parametrize("datatype", ["UINT8", "FP32"])
def test_encode_and_denoise_agree_with_protocol_v1(served, http, binary, datatype):
    pixels = images_u8()
    array = pixels if datatype == "UINT8" else (pixels / 255).astype(np.float32)
    with vaeclient.Client(served.socket) as v1:
        for model in ("digits", "plain"):
            reference = v1.encode([bytes(image) for image in pixels.reshape(3, 784)], model=model)
            answer = http.infer(f"{model}.encode", [http_input("images", array, datatype, binary)])
            for name in reference:
                np.testing.assert_allclose(answer.as_numpy(name), reference[name], rtol=1e-5, atol=1e-6)
            assert (answer.as_numpy("logvar") is None) == (model == "plain")
            denoised = v1.denoise([bytes(image) for image in pixels.reshape(3, 784)], model=model)
            answer = http.infer(f"{model}.denoise", [http_input("images", array, datatype, binary)],
                                outputs=[triton_http.InferRequestedOutput("images_fp32", binary_data=binary),
                                         triton_http.InferRequestedOutput("images", binary_data=binary)])
            np.testing.assert_allclose(answer.as_numpy("images_fp32"), denoised, atol=1e-5)
            assert answer.as_numpy("images").dtype == np.uint8
            assert np.abs(answer.as_numpy("images").astype(int) - np.rint(denoised * 255)).max() <= 1


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_decode_and_sample_agree_with_protocol_v1(served, http, binary):
    with vaeclient.Client(served.socket) as v1:
        drawn = v1.sample(4, seed=11, model="digits")
        codes = drawn.z.astype(np.float32)
        decoded = http.infer("digits.decode", [http_input("z", codes, "FP32", binary)])
        np.testing.assert_allclose(decoded.as_numpy("images_fp32"), drawn.images, atol=1e-5)
        sampled = http.infer("digits.sample", [], parameters={"count": 4, "seed": 11},
                             outputs=[triton_http.InferRequestedOutput(name, binary_data=binary)
                                      for name in ("images_fp32", "z")])
        # The codes of a seed are the same bits on every transport; the images agree to float rounding.
        assert np.array_equal(sampled.as_numpy("z"), codes)
        np.testing.assert_allclose(sampled.as_numpy("images_fp32"), drawn.images, atol=1e-5)
        assert sampled.get_response()["parameters"]["seed"] == 11
        # The same draws given as tensors, from `start` on.
        tail = http.infer("digits.sample", [http_input("seed", np.array([11], np.uint64), "UINT64", binary),
                                           http_input("start", np.array([2], np.int64), "INT64", binary),
                                           http_input("count", np.array([2], np.int32), "INT32", binary)])
        assert np.array_equal(tail.as_numpy("z"), codes[2:])


# =============================================================================
# Errors
# =============================================================================


def refusal(call) -> InferenceServerException:
    with pytest.raises(InferenceServerException) as raised:
        call()
    return raised.value


def test_each_error_has_its_status_and_a_json_message(served, http):
    missing = refusal(lambda: http.infer("cats.encode", [http_input("images", images_u8(1), "UINT8", True)]))
    assert missing.status() == "404" and "cats.encode" in missing.message()
    shape = refusal(lambda: http.infer("digits.encode", [http_input("images", np.zeros((1, 27, 28), np.uint8), "UINT8", True)]))
    assert shape.status() == "400" and "[-1, 28, 28]" in shape.message()
    datatype = refusal(lambda: http.infer("digits.encode", [http_input("images", np.zeros((1, 28, 28)), "FP64", True)]))
    assert datatype.status() == "400" and "UINT8 or FP32" in datatype.message()
    # Binary sizes that disagree with the shape, and with the header.
    header = json.dumps({"inputs": [{"name": "images", "shape": [1, 28, 28], "datatype": "UINT8",
                                     "parameters": {"binary_data_size": 700}}]}).encode()
    status, body = served.request("POST", "/v2/models/digits.encode/infer", header + bytes(700),
                                  {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400 and "needs 784" in json.loads(body)["error"]
    status, body = served.request("POST", "/v2/models/digits.encode/infer", header + bytes(600),
                                  {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400 and "only 600 bytes" in json.loads(body)["error"]
    too_many = refusal(lambda: http.infer("digits.encode", [http_input("images", np.zeros((300, 28, 28), np.uint8), "UINT8", True)]))
    assert too_many.status() == "400" and "max_batch_size" in too_many.message()
    # Every answer above was an error object with a type.
    status, body = served.get("/v2/models/cats.encode")
    assert status == 404 and json.loads(body)["type"] == "model_not_found"


def test_oversized_bodies_are_refused_unread(tmp_path):
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, "--max-request-bytes", "4096")
    try:
        status, body = daemon.request("POST", "/v2/models/digits.encode/infer", b"{" + b" " * 5000 + b"}")
        assert status == 413 and json.loads(body)["type"] == "too_large"
        # A body larger than it said: refused once it passes the limit, not buffered.
        answer = daemon.exchange(b"POST /v2/models/digits.encode/infer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"".join(b"400\r\n" + b"x" * 1024 + b"\r\n" for _ in range(8)) + b"0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413")
        assert daemon.get("/v2/health/live")[0] == 200
    finally:
        assert daemon.stop() == 0


def test_a_token_guards_all_but_the_probes(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123456789abcdef\n")
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, "--auth-token-file", str(token_file))
    try:
        assert daemon.get("/v2/health/ready")[0] == 200 and daemon.get("/v2/health/live")[0] == 200
        status, body = daemon.get("/v2/models/digits.encode")
        assert status == 401 and json.loads(body)["type"] == "unauthorized"
        assert daemon.get("/metrics")[0] == 401
        assert daemon.get("/v2", {"Authorization": "Bearer 0123456789abcdef0123456789abcdeX"})[0] == 401
        good = {"Authorization": "Bearer 0123456789abcdef0123456789abcdef"}
        assert daemon.get("/v2/models/digits.encode", good)[0] == 200
        client = triton_http.InferenceServerClient(daemon.url)
        answer = client.infer("digits.encode", [http_input("images", images_u8(1), "UINT8", True)], headers=good)
        assert answer.as_numpy("mu").shape == (1, 2)
        assert refusal(lambda: client.infer("digits.encode", [http_input("images", images_u8(1), "UINT8", True)])).status() == "401"
    finally:
        assert daemon.stop() == 0


def test_a_short_token_file_is_refused_at_start(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("short\n")
    done = subprocess.run([str(require_built(VAED)), "--model", f"d={model_file(tmp_path, 'vae', 3)}", "--no-socket",
                           "--http", f"127.0.0.1:{free_port()}", "--auth-token-file", str(token_file)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "shorter than 16 characters" in done.stderr


# =============================================================================
# Bad input on the wire
# =============================================================================


def test_malformed_http_gets_a_clear_400_and_the_daemon_stays_up(served):
    for raw in [b"NONSENSE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /v2 HTTP/1.1\r\nBad Header\r\n\r\n",
                b"POST /v2/models/digits.encode/infer HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                b"GET /v2 HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"]:
        answer = served.exchange(raw)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), raw[:40]
        assert json.loads(body)["type"] == "invalid_request" and "Malformed HTTP" in json.loads(body)["error"]
    # A body shorter than its Content-Length, then the client goes away: nothing is answered, nothing breaks.
    with socket.create_connection(("127.0.0.1", served.port)) as connection:
        connection.sendall(b"POST /v2/models/digits.encode/infer HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"inputs\":")
    # Pipelined requests on one connection come back in order.
    pipelined = served.exchange(b"GET /v2/health/live HTTP/1.1\r\n\r\nGET /v2/models/nope.encode HTTP/1.1\r\n\r\n"
                                b"GET /v2 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", pipelined) == [b"200", b"404", b"200"]
    assert served.get("/v2/health/ready")[0] == 200


# =============================================================================
# Health across reload and drain; metrics
# =============================================================================


def test_ready_holds_through_a_reload_and_turns_false_first_at_sigterm(tmp_path):
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, "--shutdown-delay", "1")
    try:
        for _ in range(3):
            daemon.process.send_signal(signal.SIGHUP)
            for _ in range(20):
                assert daemon.get("/v2/health/ready")[0] == 200
                time.sleep(0.005)
        daemon.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 2
        while daemon.get("/v2/health/ready")[0] == 200:
            assert time.monotonic() < deadline, "readiness did not turn false after SIGTERM"
        # Not ready, yet still serving until the shutdown delay ends.
        assert daemon.get("/v2/health/live")[0] == 200
        client = triton_http.InferenceServerClient(daemon.url)
        assert client.infer("digits.encode", [http_input("images", images_u8(1), "UINT8", True)]).as_numpy("mu").shape == (1, 2)
        assert daemon.process.wait(20) == 0
    finally:
        daemon.stop()


def test_metrics_parse_with_prometheus_client(served, http):
    http.infer("digits.encode", [http_input("images", images_u8(2), "UINT8", True)])
    refusal(lambda: http.infer("cats.encode", [http_input("images", images_u8(1), "UINT8", True)]))
    status, body = served.get("/metrics")
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    requests = {sample.labels.get("method"): sample.value for sample in families["vaed_requests"].samples}
    assert requests.get("encode", 0) >= 1
