"""The Open Inference Protocol (KServe V2) against a built vaed, with Triton's own Python client (tritonclient),
over HTTP (JSON and binary tensors) and gRPC, compared with protocol v1's answers on the Unix socket; the
errors, auth, health probes across reload and drain, /metrics through prometheus_client's parser, and bad
input on the network surfaces.

vaed is taken from $VAE_BIN_DIR, else from `swift build --show-bin-path`.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
import tritonclient.grpc as triton_grpc
import tritonclient.http as triton_http
from tritonclient.grpc import service_pb2, service_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families
from tritonclient.utils import InferenceServerException

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vaeclient import VAED, Daemon, model_file, require_built  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vaeclient  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NetworkDaemon:
    """The built vaed with its Unix socket and HTTP and gRPC listeners on free loopback ports."""

    def __init__(self, directory: Path, models: dict[str, Path], *extra: str):
        require_built(VAED)
        self.directory = directory
        self.socket = str(directory / "vaed.sock")
        self.port = free_port()
        self.url = f"127.0.0.1:{self.port}"
        self.grpc_port = free_port()
        self.grpc_url = f"127.0.0.1:{self.grpc_port}"
        arguments = [str(VAED), "--socket", self.socket, "--http", self.url, "--grpc", self.grpc_url, "--threads", "2",
                     *extra]
        for name, path in models.items():
            arguments += ["--model", f"{name}={path}"]
        self.log_path = directory / "vaed.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/v2/health/live")[0] == 200:
                    socket.create_connection(("127.0.0.1", self.grpc_port), timeout=1).close()
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        pytest.fail(f"vaed did not start: {self.log_path.read_text()}")

    def exchange(self, raw: bytes, timeout: float = 10, port: int | None = None) -> bytes:
        """Sends raw bytes on a new connection (to the HTTP port unless told) and returns everything the server
        sends until it closes."""
        with socket.create_connection(("127.0.0.1", port or self.port), timeout=timeout) as connection:
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

    # SIGTERM, waited for (killed after 20 s); the exit status.
    stop = Daemon.stop


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


@pytest.fixture
def grpc_client(served):
    client = triton_grpc.InferenceServerClient(served.grpc_url)
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
        # gRPC alike: not ready, live, serving.
        over_grpc = triton_grpc.InferenceServerClient(daemon.grpc_url)
        assert not over_grpc.is_server_ready() and over_grpc.is_server_live()
        assert over_grpc.infer("digits.encode", [grpc_input("images", images_u8(1), "UINT8")]).as_numpy("mu").shape == (1, 2)
        over_grpc.close()
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


# =============================================================================
# gRPC (tritonclient.grpc, and Triton's generated stub for what tritonclient does not send)
# =============================================================================


def grpc_input(name: str, array: np.ndarray, datatype: str) -> triton_grpc.InferInput:
    tensor = triton_grpc.InferInput(name, list(array.shape), datatype)
    tensor.set_data_from_numpy(array)  # raw_input_contents, as perf_analyzer sends them
    return tensor


def grpc_refusal(call) -> InferenceServerException:
    with pytest.raises(InferenceServerException) as raised:
        call()
    return raised.value


def test_every_grpc_endpoint_answers_as_tritonclient_expects(served, grpc_client, http):
    assert grpc_client.is_server_live() and grpc_client.is_server_ready()
    server = grpc_client.get_server_metadata(as_json=True)
    assert server["name"] == "vaed" and server["extensions"] == http.get_server_metadata()["extensions"]
    for name in [f"{model}.{method}" for model in ("digits", "plain") for method in ("encode", "decode", "denoise", "sample")]:
        assert grpc_client.is_model_ready(name)
        metadata = grpc_client.get_model_metadata(name, as_json=True)
        rest = http.get_model_metadata(name)
        assert metadata["name"] == name and metadata["versions"] == rest["versions"] and metadata["platform"] == "vaed"
        for side in ("inputs", "outputs"):
            assert [(t["name"], t["datatype"], [int(d) for d in t["shape"]]) for t in metadata[side]] == \
                [(t["name"], t["datatype"], t["shape"]) for t in rest[side]]
        config = grpc_client.get_model_config(name, as_json=True)["config"]
        rest_config = http.get_model_config(name)
        assert config["name"] == name and config.get("max_batch_size", 0) == rest_config["max_batch_size"]
        for side in ("input", "output"):
            assert [(t["name"], t["data_type"], [int(d) for d in t["dims"]]) for t in config[side]] == \
                [(t["name"], t["data_type"], t["dims"]) for t in rest_config[side]]
        assert config["instance_group"][0]["kind"] == "KIND_CPU" and config["instance_group"][0]["count"] == 2
        assert config["parameters"]["version"]["string_value"] == rest["versions"][0]
        assert ("dynamic_batching" in config) == ("dynamic_batching" in rest_config)
    version = grpc_client.get_model_metadata("digits.encode").versions[0]
    assert grpc_client.is_model_ready("digits.encode", model_version=version)
    assert grpc_refusal(lambda: grpc_client.is_model_ready("digits.encode", model_version="000000000000")).status() \
        == "StatusCode.NOT_FOUND"
    assert grpc_refusal(lambda: grpc_client.is_model_ready("cats.encode")).status() == "StatusCode.NOT_FOUND"
    for call in (grpc_client.get_inference_statistics, grpc_client.get_model_repository_index,
                 grpc_client.get_system_shared_memory_status, grpc_client.get_log_settings):
        refused = grpc_refusal(call)
        assert refused.status() == "StatusCode.UNIMPLEMENTED" and "vaed does not implement" in refused.message()


@pytest.mark.parametrize("datatype", ["UINT8", "FP32"])
def test_grpc_encode_and_denoise_agree_with_protocol_v1(served, grpc_client, datatype):
    pixels = images_u8()
    array = pixels if datatype == "UINT8" else (pixels / 255).astype(np.float32)
    with vaeclient.Client(served.socket) as v1:
        for model in ("digits", "plain"):
            reference = v1.encode([bytes(image) for image in pixels.reshape(3, 784)], model=model)
            answer = grpc_client.infer(f"{model}.encode", [grpc_input("images", array, datatype)], request_id="e1")
            assert answer.get_response().id == "e1"
            for name in reference:
                np.testing.assert_allclose(answer.as_numpy(name), reference[name], rtol=1e-5, atol=1e-6)
            assert (answer.as_numpy("logvar") is None) == (model == "plain")
            denoised = v1.denoise([bytes(image) for image in pixels.reshape(3, 784)], model=model)
            answer = grpc_client.infer(f"{model}.denoise", [grpc_input("images", array, datatype)],
                                       outputs=[triton_grpc.InferRequestedOutput("images_fp32"),
                                                triton_grpc.InferRequestedOutput("images")])
            assert [o.name for o in answer.get_response().outputs] == ["images_fp32", "images"]
            np.testing.assert_allclose(answer.as_numpy("images_fp32"), denoised, atol=1e-5)
            assert answer.as_numpy("images").dtype == np.uint8
            assert np.abs(answer.as_numpy("images").astype(int) - np.rint(denoised * 255)).max() <= 1


def test_grpc_decode_and_sample_agree_with_protocol_v1_and_http(served, grpc_client, http):
    with vaeclient.Client(served.socket) as v1:
        for model in ("digits", "plain"):
            drawn = v1.sample(4, seed=11, model=model)
            codes = drawn.z.astype(np.float32)
            decoded = grpc_client.infer(f"{model}.decode", [grpc_input("z", codes, "FP32")])
            np.testing.assert_allclose(decoded.as_numpy("images_fp32"), drawn.images, atol=1e-5)
            assert np.abs(decoded.as_numpy("images").astype(int) - np.rint(drawn.images * 255)).max() <= 1
            sampled = grpc_client.infer(f"{model}.sample", [], parameters={"count": 4, "seed": 11},
                                        outputs=[triton_grpc.InferRequestedOutput(name) for name in ("images_fp32", "z")])
            # The codes of a seed are the same bits on every transport; the images agree to float rounding.
            assert np.array_equal(sampled.as_numpy("z"), codes)
            over_http = http.infer(f"{model}.sample", [], parameters={"count": 4, "seed": 11},
                                   outputs=[triton_http.InferRequestedOutput("z", binary_data=True)])
            assert over_http.as_numpy("z").tobytes() == sampled.as_numpy("z").tobytes() == codes.tobytes()
            np.testing.assert_allclose(sampled.as_numpy("images_fp32"), drawn.images, atol=1e-5)
            assert sampled.get_response().parameters["seed"].uint64_param == 11
            # The same draws given as tensors, from `start` on.
            tail = grpc_client.infer(f"{model}.sample", [grpc_input("seed", np.array([11], np.uint64), "UINT64"),
                                                         grpc_input("start", np.array([2], np.int64), "INT64"),
                                                         grpc_input("count", np.array([2], np.int32), "INT32")])
            assert np.array_equal(tail.as_numpy("z"), codes[2:])


def test_grpc_typed_contents_agree_with_raw_contents(served, grpc_client):
    """tritonclient always sends raw_input_contents; other clients fill the typed `contents` field."""
    pixels = images_u8(2)
    raw = grpc_client.infer("digits.encode", [grpc_input("images", pixels, "UINT8")])
    request = service_pb2.ModelInferRequest(model_name="digits.encode")
    tensor = request.inputs.add(name="images", datatype="UINT8", shape=[2, 28, 28])
    tensor.contents.uint_contents.extend(int(b) for b in pixels.reshape(-1))
    with grpc.insecure_channel(served.grpc_url) as channel:
        answer = service_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request)
    assert [o.name for o in answer.outputs] == ["mu", "logvar", "z"] and len(answer.raw_output_contents) == 3
    assert np.frombuffer(answer.raw_output_contents[0], np.float32).tobytes() == raw.as_numpy("mu").tobytes()


def test_grpc_errors_have_their_status_codes(served, grpc_client):
    missing = grpc_refusal(lambda: grpc_client.infer("cats.encode", [grpc_input("images", images_u8(1), "UINT8")]))
    assert missing.status() == "StatusCode.NOT_FOUND" and "cats.encode" in missing.message()
    shape = grpc_refusal(lambda: grpc_client.infer("digits.encode", [grpc_input("images", np.zeros((1, 27, 28), np.uint8), "UINT8")]))
    assert shape.status() == "StatusCode.INVALID_ARGUMENT" and "[-1, 28, 28]" in shape.message()
    datatype = grpc_refusal(lambda: grpc_client.infer("digits.encode", [grpc_input("images", np.zeros((1, 28, 28)), "FP64")]))
    assert datatype.status() == "StatusCode.INVALID_ARGUMENT" and "UINT8 or FP32" in datatype.message()
    too_many = grpc_refusal(lambda: grpc_client.infer("digits.encode", [grpc_input("images", np.zeros((300, 28, 28), np.uint8), "UINT8")]))
    assert too_many.status() == "StatusCode.INVALID_ARGUMENT" and "max_batch_size" in too_many.message()
    # Raw contents that do not pair one to one with the inputs, and raw bytes that do not fill the shape.
    with grpc.insecure_channel(served.grpc_url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        for raw, words in [([bytes(784), bytes(784)], "raw_input_contents has 2 entries for 1 inputs"),
                           ([bytes(700)], "needs 784")]:
            request = service_pb2.ModelInferRequest(model_name="digits.encode", raw_input_contents=raw)
            request.inputs.add(name="images", datatype="UINT8", shape=[1, 28, 28])
            with pytest.raises(grpc.RpcError) as raised:
                stub.ModelInfer(request)
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT and words in raised.value.details()


def test_grpc_oversized_messages_are_resource_exhausted(tmp_path):
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, "--max-request-bytes", "4096")
    try:
        client = triton_grpc.InferenceServerClient(daemon.grpc_url)
        big = grpc_refusal(lambda: client.infer("digits.encode", [grpc_input("images", images_u8(8), "UINT8")]))
        assert big.status() == "StatusCode.RESOURCE_EXHAUSTED" and "--max-request-bytes" in big.message()
        # The same connection goes on serving.
        assert client.infer("digits.encode", [grpc_input("images", images_u8(1), "UINT8")]).as_numpy("mu").shape == (1, 2)
        client.close()
    finally:
        assert daemon.stop() == 0


def test_a_token_guards_all_grpc_but_the_probes(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123456789abcdef\n")
    daemon = NetworkDaemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, "--auth-token-file", str(token_file))
    try:
        client = triton_grpc.InferenceServerClient(daemon.grpc_url)
        assert client.is_server_live() and client.is_server_ready()
        refused = grpc_refusal(lambda: client.get_model_metadata("digits.encode"))
        assert refused.status() == "StatusCode.UNAUTHENTICATED" and "authorization" in refused.message()
        wrong = {"authorization": "Bearer 0123456789abcdef0123456789abcdeX"}
        assert grpc_refusal(lambda: client.get_server_metadata(headers=wrong)).status() == "StatusCode.UNAUTHENTICATED"
        good = {"authorization": "Bearer 0123456789abcdef0123456789abcdef"}
        assert client.get_model_metadata("digits.encode", headers=good).name == "digits.encode"
        image = [grpc_input("images", images_u8(1), "UINT8")]
        assert client.infer("digits.encode", image, headers=good).as_numpy("mu").shape == (1, 2)
        assert grpc_refusal(lambda: client.infer("digits.encode", image)).status() == "StatusCode.UNAUTHENTICATED"
        client.close()
    finally:
        assert daemon.stop() == 0


def http2_frame_types(data: bytes) -> list[int]:
    """The types of the HTTP/2 frames in `data` (after the server's nothing: a server sends no preface)."""
    types = []
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        types.append(data[3])
        data = data[9 + length:]
    return types


def test_garbage_on_the_grpc_port_leaves_the_daemon_serving(served, grpc_client):
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    # Not HTTP/2, or a frame that breaks it: the server says GOAWAY (frame type 7) and closes.
    for raw in [b"\x00" * 64, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", preface + settings + b"\xff" * 200]:
        assert 7 in http2_frame_types(served.exchange(raw, timeout=5, port=served.grpc_port)), raw[:30]
    # Cut short (half a preface, half a frame, headers without their message), then the client goes away.
    for raw in [preface[:10], preface + b"\x00\x00\x12\x04\x00\x00\x00",
                preface + settings + b"\x00\x40\x00\x01\x05\x00\x00\x00\x01\x82\x84",
                preface + settings + b"\x00\x00\x05\x00\x00\x00\x00\x00\x01\x00\x00\x00\x03\x10"]:
        with socket.create_connection(("127.0.0.1", served.grpc_port)) as connection:
            connection.sendall(raw)
    assert grpc_client.is_server_live()
    assert grpc_client.infer("digits.encode", [grpc_input("images", images_u8(1), "UINT8")]).as_numpy("mu").shape == (1, 2)
    assert served.get("/v2/health/ready")[0] == 200


def test_grpc_requests_are_in_the_metrics(served, grpc_client):
    grpc_client.infer("digits.decode", [grpc_input("z", np.zeros((2, 2), np.float32), "FP32")])
    grpc_refusal(lambda: grpc_client.infer("cats.encode", [grpc_input("images", images_u8(1), "UINT8")]))
    status, body = served.get("/metrics")
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    requests = {sample.labels.get("method"): sample.value for sample in families["vaed_requests"].samples}
    assert requests.get("decode", 0) == 1 and requests.get("health", 0) >= 1
    errors = {sample.labels.get("type"): sample.value for sample in families["vaed_errors"].samples}
    assert errors.get("model_not_found", 0) == 1


def test_listener_flags_are_usage_errors_before_any_model_loads(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123456789abcdef\n")
    cases = [(["--http", "localhost"], "takes HOST:PORT or PORT"),
             (["--http", "8080", "--grpc", "127.0.0.1:8080"], "both ask for port 8080"),
             (["--http", "[::1]8080"], "[IPV6]:PORT"),
             (["--auth-token-file", str(token_file)], "none is given")]
    for flags, words in cases:
        # A model file that does not exist: a usage error must be found before it is looked at.
        done = subprocess.run([str(require_built(VAED)), "--model", f"m={tmp_path}/absent.vaez",
                               "--socket", str(tmp_path / "s"), *flags], capture_output=True, text=True, timeout=60)
        assert done.returncode == 64 and words in done.stderr and "absent" not in done.stderr, (flags, done.stderr)
