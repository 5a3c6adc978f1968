#!/usr/bin/env python3
"""vaed's manners under Kubernetes, measured: how fast readiness turns false at SIGTERM, and whether a reload under
load fails any request.

  readiness  Starts vaed with --shutdown-delay, keeps one keep-alive HTTP connection polling GET /v2/health/ready as
             fast as it answers, sends SIGTERM, and reports the time from the signal to the first 503 (and that
             inference still answers during the delay). Repeated --repeats times; median and worst.
  reload     Serves a model from a --model-dir, runs Triton's perf_analyzer against NAME.encode (HTTP, then gRPC
             when --grpc is served) for --duration seconds while the model file is replaced by another one and vaed
             reloads it (SIGHUP) every --reload-every seconds; perf_analyzer stops at its first failed request, so a
             run that completes has none. Reports the reloads done, infer/s and perf_analyzer's exit status.

Needs release builds of vaed and Tools/bench/setup-triton-tools (perf_analyzer) for `reload`.
Usage: python3 Tools/bench/lifecycle.py --model A.vaez --other-model B.vaez [--only readiness,reload]
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class KeepAlive:
    """One HTTP/1.1 connection, kept open, answering GETs with their status code."""

    def __init__(self, port):
        self.connection = socket.create_connection(("127.0.0.1", port))
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def get(self, path):
        self.connection.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.pending:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.pending += chunk
        head, _, rest = self.pending.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        while len(rest) < length:
            rest += self.connection.recv(65536)
        self.pending = rest[length:]
        return int(head.split(b" ")[1])


def start_vaed(options, port, extra, grpc_port=None):
    arguments = [options.vaed, "--no-socket", "--http", f"127.0.0.1:{port}", *extra]
    if grpc_port:
        arguments += ["--grpc", f"127.0.0.1:{grpc_port}"]
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if KeepAlive(port).get("/v2/health/ready") == 200:
                return process
        except OSError:
            time.sleep(0.02)
        if process.poll() is not None:
            sys.exit(f"vaed exited at start: {process.stderr.read().decode()[-400:]}")
    process.kill()
    sys.exit("vaed did not become ready in 30 s")


def readiness(options):
    flips, served = [], []
    for _ in range(options.repeats):
        port = free_port()
        process = start_vaed(options, port, ["--model", f"m={options.model}", "--shutdown-delay", "1"])
        probe = KeepAlive(port)
        for _ in range(50):
            assert probe.get("/v2/health/ready") == 200
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        while probe.get("/v2/health/ready") == 200:
            pass
        flips.append((time.monotonic() - sent) * 1000)
        served.append(KeepAlive(port).get("/v2/models/m.encode") == 200)
        process.wait(30)
    print(f"readiness: SIGTERM to the first 503, {options.repeats} runs: median {statistics.median(flips):.2f} ms, "
          f"worst {max(flips):.2f} ms (target ≤ 10 ms); still serving during the delay: {all(served)}")
    return {"flip_ms": flips, "served_during_delay": all(served)}


def reload(options):
    results = {}
    for protocol in options.protocols.split(","):
        work = tempfile.mkdtemp(prefix="vaed-reload-")
        models = os.path.join(work, "models")
        os.mkdir(models)
        shutil.copy(options.model, os.path.join(models, "m.vaez"))
        port, grpc_port = free_port(), free_port()
        process = start_vaed(options, port, ["--model-dir", models, "--watch-interval", "0"],
                             grpc_port if protocol == "grpc" else None)
        url = f"127.0.0.1:{grpc_port if protocol == 'grpc' else port}"
        env = dict(os.environ, LD_LIBRARY_PATH=options.cuda_lib)
        command = [options.perf_analyzer, "-m", "m.encode", "-u", url, "-i", protocol, "--concurrency-range",
                   str(options.concurrency), "-b", "1", "--shape", "images:28,28", "--input-data", "zero",
                   "-p", str(int(options.duration * 1000 / 3)), "-s", "100", "--max-trials", "3"]
        analyzer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        reloads, stop = [0], threading.Event()

        def swap():
            files = [options.other_model, options.model]
            while not stop.wait(options.reload_every):
                staged = os.path.join(work, "staged.vaez")
                shutil.copy(files[reloads[0] % 2], staged)
                os.replace(staged, os.path.join(models, "m.vaez"))  # atomic, as a deploy would do it
                process.send_signal(signal.SIGHUP)
                reloads[0] += 1

        swapper = threading.Thread(target=swap)
        swapper.start()
        output, _ = analyzer.communicate(timeout=options.duration * 6 + 120)
        stop.set()
        swapper.join()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        shutil.rmtree(work)
        rate = next((line.split("throughput:")[1].split("infer/sec")[0].strip() for line in output.splitlines()
                     if "throughput:" in line), "?")
        failed = [line for line in output.splitlines() if "rror" in line or "ailed" in line]
        print(f"reload under perf_analyzer load, {protocol}: {reloads[0]} reloads, {rate} infer/s, "
              f"perf_analyzer exit {analyzer.returncode}" + (f"; {failed[0]}" if failed else "; no failed request"))
        results[protocol] = {"reloads": reloads[0], "exit": analyzer.returncode, "errors": failed}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vaed", default=os.path.join(ROOT, ".build/release/vaed"))
    parser.add_argument("--model", required=True, help="a 28x28 .vaez model")
    parser.add_argument("--other-model", help="another 28x28 .vaez with the same shapes, swapped in by reloads")
    parser.add_argument("--only", default="readiness,reload")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--duration", type=float, default=15, help="seconds of load for reload")
    parser.add_argument("--reload-every", type=float, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--protocols", default="http,grpc")
    venv = os.path.join(ROOT, ".venv-bench")
    parser.add_argument("--perf-analyzer", default=os.path.join(venv, "bin/perf_analyzer"))
    parser.add_argument("--cuda-lib", default=os.path.join(venv, "lib/python3.11/site-packages/nvidia/cuda_runtime/lib"))
    options = parser.parse_args()
    print(f"CPU: {cpu_model()}; vaed {options.vaed}")
    parts = options.only.split(",")
    if "readiness" in parts:
        readiness(options)
    if "reload" in parts:
        if not options.other_model or not os.path.exists(options.perf_analyzer):
            sys.exit("reload needs --other-model and perf_analyzer (run Tools/bench/setup-triton-tools)")
        reload(options)


if __name__ == "__main__":
    main()
