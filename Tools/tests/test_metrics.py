"""vaed's Prometheus metrics as a Prometheus client reads them: the `stats` method's prometheus text (Formats/
protocol.md) and the HTTP listener's GET /metrics, parsed by prometheus_client's own text parser, after requests made
over the Unix socket with the Python client.

vaed is taken from $VAE_BIN_DIR, else from `swift build --show-bin-path`, as test_vaeclient.py does.
"""

from __future__ import annotations

import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vaeclient  # noqa: E402
from test_vaeclient import Daemon, model_file, square  # noqa: E402

# Family name (as prometheus_client names it: a counter without its _total) → type and label names.
FAMILIES = {
    "vaed_requests": ("counter", {"model", "method", "transport"}),
    "vaed_errors": ("counter", {"model", "method", "transport", "type"}),
    "vaed_request_duration_seconds": ("histogram", {"model", "method"}),
    "vaed_queue_wait_seconds": ("histogram", {"model", "method"}),
    "vaed_compute_duration_seconds": ("histogram", {"model"}),
    "vaed_batch_rows": ("histogram", {"model"}),
    "vaed_queue_rows": ("gauge", {"model"}),
    "vaed_in_flight": ("gauge", set()),
    "vaed_connections": ("gauge", {"transport"}),
    "vaed_refused_connections": ("counter", {"transport"}),
    "vaed_model_loads": ("counter", {"model"}),
    "vaed_model_reload_failures": ("counter", {"model"}),
    "vaed_model_load_timestamp_seconds": ("gauge", {"model"}),
    "vaed_build_info": ("gauge", {"version"}),
    "vaed_gemm_info": ("gauge", {"library", "version", "isa", "cpu_isa"}),
    "vaed_uptime_seconds": ("gauge", set()),
}


@pytest.fixture
def daemon(tmp_path):
    running = Daemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3), "auto": model_file(tmp_path, "ae", 4)})
    yield running
    assert running.stop() == 0


def samples(families: dict, family: str, name: str | None = None) -> list:
    return [s for s in families[family].samples if s.name == (name or family)]


def value(families: dict, family: str, name: str | None = None, **labels) -> float:
    """The one sample of `family` named `name` (the family's own name by default) with exactly these labels."""
    found = [s.value for s in samples(families, family, name) if s.labels == labels]
    assert len(found) == 1, f"{name or family}{labels}: {len(found)} samples in {families[family].samples}"
    return found[0]


def histogram_count(families: dict, family: str, **labels) -> float:
    """A histogram series checked whole (cumulative buckets ending at +Inf = _count, _sum >= 0); its _count."""
    buckets = sorted((float(s.labels["le"]), s.value) for s in samples(families, family, family + "_bucket")
                     if {k: v for k, v in s.labels.items() if k != "le"} == labels)
    assert len(buckets) >= 2 and buckets[-1][0] == float("inf"), f"{family}{labels}: {buckets}"
    counts = [count for _, count in buckets]
    assert counts == sorted(counts), f"{family}{labels}: buckets are not cumulative: {buckets}"
    count = value(families, family, family + "_count", **labels)
    assert counts[-1] == count
    assert value(families, family, family + "_sum", **labels) >= 0
    return count


def parsed(text: str) -> dict:
    """The families by name, each checked for its type, HELP text and label names."""
    families = {family.name: family for family in text_string_to_metric_families(text)}
    for name, (kind, label_names) in FAMILIES.items():
        assert name in families, f"{name} is missing from:\n{text}"
        assert families[name].type == kind, name
        assert families[name].documentation, f"{name} has no HELP"
        for sample in families[name].samples:
            assert set(sample.labels) - {"le"} == label_names, f"{sample.name}{sample.labels}"
    return families


def test_stats_prometheus_text_parses_with_every_family_and_the_counts_made(daemon):
    with vaeclient.Client(daemon.socket) as client:
        version = client.hello()["server"].removeprefix("vaed ")
        assert client.health() == "ok"
        for seed in range(3):
            client.sample(2, seed=seed, model="digits")
        client.encode([square(0), square(1)], model="auto")
        client.encode([square(2)], model="auto")
        with pytest.raises(vaeclient.VaedError) as unknown:
            client.sample(1, model="cats")
        assert unknown.value.type == "model_not_found"
        with pytest.raises(vaeclient.VaedError) as invalid:
            client.call("sample", model="digits")  # no count
        assert invalid.value.type == "invalid_params"
        text = client.stats(format="prometheus")

    families = parsed(text)

    def requests(model, method):
        return value(families, "vaed_requests", "vaed_requests_total", model=model, method=method, transport="unix")

    assert requests("", "hello") == 1 and requests("", "health") == 1
    assert requests("digits", "sample") == 3
    assert requests("auto", "encode") == 2
    assert requests("", "sample") == 2, "the unknown model and the missing count resolved no model"
    assert value(families, "vaed_errors", "vaed_errors_total", model="", method="sample", transport="unix",
                 type="model_not_found") == 1
    assert value(families, "vaed_errors", "vaed_errors_total", model="", method="sample", transport="unix",
                 type="invalid_params") == 1
    assert len(samples(families, "vaed_errors", "vaed_errors_total")) == 2, "successes count no error"

    assert histogram_count(families, "vaed_request_duration_seconds", model="digits", method="sample") == 3
    assert histogram_count(families, "vaed_request_duration_seconds", model="auto", method="encode") == 2
    assert histogram_count(families, "vaed_request_duration_seconds", model="", method="sample") == 2
    assert histogram_count(families, "vaed_queue_wait_seconds", model="digits", method="sample") == 3
    assert histogram_count(families, "vaed_queue_wait_seconds", model="auto", method="encode") == 2
    assert histogram_count(families, "vaed_queue_wait_seconds", model="digits", method="denoise") == 0
    for model, rows in (("digits", 6), ("auto", 3)):
        batches = histogram_count(families, "vaed_compute_duration_seconds", model=model)
        assert 1 <= batches <= rows
        assert histogram_count(families, "vaed_batch_rows", model=model) == batches
        assert value(families, "vaed_batch_rows", "vaed_batch_rows_sum", model=model) == rows
        assert value(families, "vaed_queue_rows", model=model) == 0
        assert value(families, "vaed_model_loads", "vaed_model_loads_total", model=model) == 1
        assert value(families, "vaed_model_reload_failures", "vaed_model_reload_failures_total", model=model) == 0
        assert abs(value(families, "vaed_model_load_timestamp_seconds", model=model) - time.time()) < 600

    assert value(families, "vaed_connections", transport="unix") == 1, "the client's own connection"
    assert value(families, "vaed_connections", transport="http") == 0
    assert value(families, "vaed_refused_connections", "vaed_refused_connections_total", transport="unix") == 0
    assert value(families, "vaed_in_flight") == 1, "the stats request itself"
    assert value(families, "vaed_build_info", version=version) == 1
    [gemm] = samples(families, "vaed_gemm_info")
    assert gemm.value == 1 and gemm.labels["library"] == "oneDNN"
    assert value(families, "vaed_uptime_seconds") > 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_get_metrics_over_http_is_the_same_exposition_and_counts_http(tmp_path):
    port = free_port()
    running = Daemon(tmp_path, {"digits": model_file(tmp_path, "vae", 3)}, ("--http", f"127.0.0.1:{port}"))
    try:
        with vaeclient.Client(running.socket) as client:
            client.sample(2, seed=1, model="digits")

        def scrape() -> str:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as response:
                        assert response.headers["Content-Type"].startswith("text/plain")
                        return response.read().decode()
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

        scrape()
        # A model name the client made up is refused, and counted without it.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/models/made-up", timeout=20)
        assert missing.value.code == 404
        families = parsed(scrape())
    finally:
        assert running.stop() == 0
    assert value(families, "vaed_requests", "vaed_requests_total", model="digits", method="sample",
                 transport="unix") == 1
    assert value(families, "vaed_requests", "vaed_requests_total", model="", method="stats", transport="http") == 1, \
        "the first scrape, counted before the second"
    assert histogram_count(families, "vaed_request_duration_seconds", model="", method="stats") == 1
    assert value(families, "vaed_errors", "vaed_errors_total", model="", method="models", transport="http",
                 type="model_not_found") == 1
    assert all(s.labels["model"] != "made-up" for f in families.values() for s in f.samples if "model" in s.labels)
    assert histogram_count(families, "vaed_queue_wait_seconds", model="digits", method="sample") == 1
    # The scrape's own connection (the first scrape's may not have closed yet).
    assert value(families, "vaed_connections", transport="http") >= 1
    assert value(families, "vaed_connections", transport="unix") == 0, "the client has closed its connection"
