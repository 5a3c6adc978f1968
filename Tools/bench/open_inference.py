#!/usr/bin/env python3
"""vaed's Open Inference Protocol (KServe V2) endpoints against MLServer 1.7.1 serving the same encoder, in one run.

Starts vaed (`--model NAME=FILE --http --grpc` on free loopback ports, its own `--socket` in a temporary folder) and
MLServer (from the venv Tools/bench/setup-triton-tools makes, with the custom runtime in
Tools/bench/mlserver_encoder/), waits until both answer their V2 ready endpoints, checks that they encode the test
image alike, then measures, alternating the order each round:

  perf_analyzer, HTTP and gRPC, against vaed's NAME.encode: one UINT8 28x28 image per request, binary tensors
  wrk, the same JSON-tensor encode request (UINT8 data) to vaed and to MLServer: one load generator for both
  vaectl bench on vaed's Unix socket: the same work (encode, one u8 image per request)

all at the same concurrency (16 by default) with the same image (the first Fashion-MNIST test image when Debian's
dataset-fashion-mnist is installed, else a synthetic ellipse written as an IDX file). Prints the CPU, a table (figure,
vaed, MLServer, ratio, target) with the median of the rounds and the CPU cores the server and the load generator used
(on 2 cores they share the machine), and every command; --json FILE writes all of it, every round included.

Needs Tools/bench/setup-triton-tools to have been run (perf_analyzer, wrk, MLServer) and release builds of vaed
and vaectl. --only picks parts: with only wrk-mlserver and vaectl, vaed is started without --http/--grpc (for a
vaed that does not serve V2 yet); --http-url/--grpc-url point the V2 parts at a server already running.
"""
import argparse
import glob
import gzip
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model, gemm_kernels  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETUP = "Tools/bench/setup-triton-tools"
FASHION_TEST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
PARTS = ["pa-http", "pa-grpc", "wrk-vaed", "wrk-mlserver", "vaectl"]
OIP_PARTS = {"pa-http", "pa-grpc", "wrk-vaed"}

# wrk: posts the body file given after `--` with Content-Type json, counts answers that are not 200 (or lack
# "outputs") so that errors are never counted as throughput, and prints one JSON line with its figures.
WRK_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local f = assert(io.open(args[1], "rb"))
   wrk.body = f:read("*a")
   f:close()
   non200 = 0
   bad_body = 0
   first_error = ""
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      if first_error == "" then first_error = status .. " " .. string.sub(body or "", 1, 200) end
   elseif not string.find(body, '"outputs"', 1, true) then
      bad_body = bad_body + 1
      if first_error == "" then first_error = "200 without outputs: " .. string.sub(body or "", 1, 200) end
   end
end

function done(summary, latency, requests)
   local non200_total, bad_total, err = 0, 0, ""
   for _, t in ipairs(threads) do
      non200_total = non200_total + t:get("non200")
      bad_total = bad_total + t:get("bad_body")
      if err == "" then err = t:get("first_error") end
   end
   -- one printable line, without quotes or backslashes, so it sits in JSON as it is
   err = err:gsub("%s", " "):gsub('[^%w%p ]', "?"):gsub('[\\"]', "'")
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"non200":%d,"bad_body":%d,' ..
      '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"status_errors":%d,' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"first_error":"%s"}\n',
      summary.requests, summary.duration, non200_total, bad_total,
      e.connect, e.read, e.write, e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      err))
end
"""


def fail(message):
    sys.exit(f"open_inference.py: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shell(command, env=None):
    """A command as one pasteable line (with the environment variables it needs)."""
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    return (prefix + " " if prefix else "") + " ".join(shlex.quote(str(c)) for c in command)


# --- the tools ----------------------------------------------------------------------------------------------------

class Tools:
    """Where perf_analyzer, its CUDA runtime library, wrk and MLServer are; a clear message when one is missing."""

    def __init__(self, options, parts):
        missing = []
        hint = f"run {SETUP}"
        self.bench_venv, self.mlserver_venv = options.bench_venv, options.mlserver_venv
        self.perf_analyzer = os.path.join(self.bench_venv, "bin", "perf_analyzer")
        self.bench_python = os.path.join(self.bench_venv, "bin", "python")
        libs = glob.glob(os.path.join(self.bench_venv, "lib", "python3*", "site-packages", "nvidia", "cuda_runtime",
                                      "lib", "libcudart.so.12"))
        self.cudart = os.path.dirname(libs[0]) if libs else None
        if parts & {"pa-http", "pa-grpc"}:
            if not os.access(self.perf_analyzer, os.X_OK):
                missing.append(f"perf_analyzer ({self.perf_analyzer})")
            if self.cudart is None:
                missing.append(f"libcudart.so.12 (nvidia-cuda-runtime-cu12 in {self.bench_venv})")
        self.wrk = shutil.which("wrk")
        if parts & {"wrk-vaed", "wrk-mlserver"} and self.wrk is None:
            missing.append("wrk (Debian's wrk)")
        self.mlserver = os.path.join(self.mlserver_venv, "bin", "mlserver")
        if "wrk-mlserver" in parts and not os.access(self.mlserver, os.X_OK):
            missing.append(f"mlserver ({self.mlserver})")
        if missing:
            fail("missing: " + "; ".join(missing) + f". {hint} (or pass --bench-venv / --mlserver-venv)")

    def pa_env(self):
        return {"LD_LIBRARY_PATH": self.cudart + (":" + os.environ["LD_LIBRARY_PATH"]
                                                  if os.environ.get("LD_LIBRARY_PATH") else "")}


# --- the image and the request bodies -------------------------------------------------------------------------------

def first_test_image(height, width):
    """The first Fashion-MNIST test image as height*width bytes, or None when the dataset is not installed or the
    model's size differs."""
    if not os.path.exists(FASHION_TEST_IMAGES) or (height, width) != (28, 28):
        return None
    with gzip.open(FASHION_TEST_IMAGES) as f:
        data = f.read(16 + 784)
    return data[16:16 + 784]


def synthetic_image(height, width):
    """A filled ellipse (used only when the dataset is missing)."""
    cy, cx, ry, rx = (height - 1) / 2, (width - 1) / 2, height * 0.35, width * 0.25
    return bytes(255 if ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1 else 0
                 for y in range(height) for x in range(width))


def model_geometry(model):
    sys.path.insert(0, os.path.join(ROOT, "Tools"))
    try:
        import vaez
    except ImportError as error:
        fail(f"cannot import Tools/vaez.py ({error}): run Tools/setup for numpy and zstandard")
    arch = vaez.read(model).metadata["architecture"]
    return arch["input"]["height"], arch["input"]["width"], arch["input"]["channels"], arch["kind"], arch["z_dim"]


def json_body(image, height, width):
    return json.dumps({"inputs": [{"name": "images", "shape": [1, height, width], "datatype": "UINT8",
                                   "data": list(image)}]}, separators=(",", ":")).encode()


# --- processes ----------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, name, command, log_path, env=None, cwd=None, hint=""):
        self.name, self.command, self.log_path, self.hint = name, command, log_path, hint
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                        start_new_session=True)

    def check_alive(self):
        if self.process.poll() is not None:
            self.log.flush()
            with open(self.log_path, "rb") as f:
                tail = f.read().decode(errors="replace").strip().splitlines()[-15:]
            fail(f"{self.name} exited with status {self.process.returncode}:\n  " + "\n  ".join(tail)
                 + f"\n  command: {shell(self.command)}" + (f"\n  {self.hint}" if self.hint else ""))

    def stop(self):
        if self.process.poll() is None:
            # Its own process group (MLServer's workers too); the group is this process's id.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def http(method, url, body=None, headers=None, timeout=5):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return None, str(error).encode()


def wait_ready(server, base, model, timeout):
    """Waits until GET /v2/health/ready and /v2/models/MODEL/ready answer 200."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server is not None:
            server.check_alive()
        status, body = http("GET", f"{base}/v2/health/ready", timeout=1)
        if status == 200:
            status, body = http("GET", f"{base}/v2/models/{model}/ready", timeout=1)
            if status == 200:
                return
        last = f"{status} {body[:200].decode(errors='replace')}"
        time.sleep(0.1)
    fail(f"{base} did not answer GET /v2/health/ready and /v2/models/{model}/ready with 200 in {timeout} s "
         f"(last: {last})")


def wait_grpc_ready(tools, address, model, timeout):
    """ServerReady and ModelReady over gRPC, with tritonclient from the bench venv."""
    code = ("import sys, time, tritonclient.grpc as g\n"
            "c = g.InferenceServerClient(sys.argv[1])\n"
            "end = time.monotonic() + float(sys.argv[3]); err = ''\n"
            "while time.monotonic() < end:\n"
            "    try:\n"
            "        if c.is_server_ready() and c.is_model_ready(sys.argv[2]): sys.exit(0)\n"
            "        err = 'not ready'\n"
            "    except Exception as e: err = str(e)\n"
            "    time.sleep(0.1)\n"
            "sys.exit(err)\n")
    result = subprocess.run([tools.bench_python, "-c", code, address, model, str(timeout)], capture_output=True,
                            text=True)
    if result.returncode != 0:
        fail(f"gRPC {address} did not report ServerReady and ModelReady({model}): {result.stderr.strip()[-300:]}")


# --- the load generators ------------------------------------------------------------------------------------------

def run_perf_analyzer(tools, protocol, address, model, options, work, input_json, shape):
    """One perf_analyzer run (sync mode: a thread per request in flight), figures from its -f CSV."""
    csv_path = os.path.join(work, f"pa-{protocol}.csv")
    window_ms = max(1000, int(options.duration * 1000 / 3))
    command = [tools.perf_analyzer, "-m", model, "-u", address, "-i", protocol,
               "--concurrency-range", str(options.concurrency), "-b", "1", "--shape", f"images:{shape}",
               "--input-data", input_json, "-p", str(window_ms), "-f", csv_path]
    note = None
    for stability in (options.pa_stability, options.pa_stability_retry):
        attempt = command + ["-s", f"{stability:g}"]
        env = dict(os.environ, **tools.pa_env())
        if os.path.exists(csv_path):
            os.unlink(csv_path)  # an earlier round's CSV must not stand in for a failed run
        try:
            # At most --max-trials (10) windows, plus start-up.
            result = subprocess.run(attempt, capture_output=True, text=True, env=env,
                                    timeout=window_ms / 1000 * 12 + 60)
        except subprocess.TimeoutExpired:
            return {"error": "perf_analyzer did not finish in time", "command": shell(attempt, tools.pa_env())}
        if result.returncode == 0 and os.path.exists(csv_path):
            rows = list(line.split(",") for line in open(csv_path).read().strip().splitlines())
            row = dict(zip(rows[0], rows[1]))
            return {"infer_per_second": float(row["Inferences/Second"]),
                    "latency_us": {"p50": float(row["p50 latency"]), "p90": float(row["p90 latency"]),
                                   "p99": float(row["p99 latency"])},
                    "stability_percent": stability, "note": note,
                    "command": shell(attempt, tools.pa_env())}
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()
        message = " / ".join(message[-3:]) if message else f"exit status {result.returncode}"
        if "stable measurement" not in message or stability == options.pa_stability_retry:
            return {"error": message, "command": shell(attempt, tools.pa_env())}
        note = f"not stable within {stability:g}%: ran again with -s {options.pa_stability_retry:g}"
    return {"error": "unreachable"}


def run_wrk(tools, url, options, work):
    lua = os.path.join(work, "encode.lua")
    command = [tools.wrk, f"-t{options.wrk_threads}", f"-c{options.concurrency}", f"-d{options.duration:g}s",
               "--latency", "-s", lua, url, "--", os.path.join(work, "encode.json")]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=options.duration + 60)
    except subprocess.TimeoutExpired:
        return {"error": "wrk did not finish in time", "command": shell(command)}
    line = next((l for l in result.stdout.splitlines() if l.startswith("WRK_RESULT ")), None)
    if result.returncode != 0 or line is None:
        return {"error": (result.stderr or result.stdout).strip()[-300:] or f"exit {result.returncode}",
                "command": shell(command)}
    figures = json.loads(line[len("WRK_RESULT "):])
    bad = figures["non200"] + figures["bad_body"]
    good = figures["requests"] - bad
    figures.update(infer_per_second=good / (figures["duration_us"] / 1e6), good_requests=good,
                   command=shell(command))
    if bad:
        figures["error"] = f"{bad} of {figures['requests']} answers were errors (first: {figures['first_error']})"
    elif any(figures["socket_errors"].values()):
        figures["note"] = f"wrk's socket errors: {figures['socket_errors']}"
    return figures


def run_vaectl(vaectl, sock, options, image_file):
    command = [vaectl, "bench", "--socket", sock, "--method", "encode", "--payload", "u8", "--images", "1",
               "--connections", str(options.concurrency), "--depth", "1", "--duration", f"{options.duration:g}",
               "--json"]
    if image_file:
        command += ["--input", image_file]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=options.duration + 60)
    except subprocess.TimeoutExpired:
        return {"error": "vaectl bench did not finish in time", "command": shell(command)}
    if result.returncode != 0:
        return {"error": result.stderr.strip()[-300:], "command": shell(command)}
    report = json.loads(result.stdout)
    errors = report.get("error_count", 0)
    out = {"infer_per_second": report["images_per_second"],
           "latency_us": {k: report["latency_us"][k] for k in ("p50", "p90", "p99")},
           "requests_per_second": report["requests_per_second"], "command": shell(command)}
    if errors:
        out["error"] = f"{errors} errors: {report['errors']}"
    return out


# --- CPU accounting ---------------------------------------------------------------------------------------------------

def children_cpu_seconds():
    """User + system CPU of this process's finished (waited-for) children: a load generator after it ends."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def group_cpu_seconds(pgid):
    """User + system CPU of every live process in a process group (a server and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …, utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# --- agreement ------------------------------------------------------------------------------------------------------

def outputs_of(body):
    """{name: flat list} from a V2 JSON inference response."""
    return {o["name"]: o["data"] for o in json.loads(body)["outputs"]}


def vaectl_encode(vaectl, sock, image_file):
    command = [vaectl, "encode", "--socket", sock, "--json", image_file, "--index", "0"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{shell(command)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def max_difference(a, b):
    return max(abs(x - y) for x, y in zip(a, b)) if a and b else None


# --- the run --------------------------------------------------------------------------------------------------------

def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs):
    """Median infer/s, latencies and CPU use over rounds; None when every round failed."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return None
    return {"infer_per_second": median_of([r["infer_per_second"] for r in good]),
            "latency_us": {k: median_of([r["latency_us"][k] for r in good]) for k in ("p50", "p99")},
            "generator_cpu_cores": median_of([r["generator_cpu_cores"] for r in good]),
            "server_cpu_cores": median_of([r["server_cpu_cores"] for r in good]),
            "rounds": len(good)}


CPU_ROW = "  CPU cores used: server / load generator"


def fmt_cpu(s):
    if not s:
        return "–"
    server = f"{s['server_cpu_cores']:.2f}" if s["server_cpu_cores"] is not None else "?"
    return f"{server} / {s['generator_cpu_cores']:.2f}"


def fmt_rate(s):
    return f"{s['infer_per_second']:,.0f}" if s else "failed"


def fmt_latency(s, key):
    return f"{s['latency_us'][key] / 1000:.2f}" if s else "–"


def main():
    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        pass

    parser = argparse.ArgumentParser(
        description=__doc__, epilog="Set-up first: " + SETUP + "; build: swift build -c release.",
        formatter_class=Formatter)
    release = os.path.join(ROOT, ".build", "release")
    parser.add_argument("--vaed", default=os.path.join(release, "vaed"), help="vaed binary (a release build)")
    parser.add_argument("--vaectl", default=os.path.join(release, "vaectl"), help="vaectl binary")
    parser.add_argument("--model", required=True, metavar="FILE.vaez", help="the model both servers serve")
    parser.add_argument("--name", default="fashion", help="vaed's model name: the V2 model is NAME.encode")
    parser.add_argument("--duration", type=float, default=10, metavar="S",
                        help="seconds of each measurement (perf_analyzer: windows of S/3, at least 3 of them)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, for every load generator")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; each alternates the order of the parts")
    parser.add_argument("--only", default=",".join(PARTS), metavar="PARTS",
                        help="comma-separated parts to run, of: " + ", ".join(PARTS))
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--mlserver-workers", type=int, default=0,
                        help="MLServer's parallel_workers: 0 runs inference in the server process, its fastest on "
                             "2 cores (its own default, 1 worker process, answered about 0.4 times as many)")
    parser.add_argument("--pa-stability", type=float, default=10, metavar="PCT",
                        help="perf_analyzer -s: the spread of 3 windows it accepts as stable")
    parser.add_argument("--pa-stability-retry", type=float, default=25, metavar="PCT",
                        help="-s of one more attempt when the first is not stable (said in the results)")
    parser.add_argument("--http-url", metavar="HOST:PORT",
                        help="measure this running V2 HTTP server instead of starting vaed with --http")
    parser.add_argument("--grpc-url", metavar="HOST:PORT",
                        help="measure this running V2 gRPC server instead of starting vaed with --grpc")
    parser.add_argument("--bench-venv", default=os.path.join(ROOT, ".venv-bench"), help="perf_analyzer's venv")
    parser.add_argument("--mlserver-venv", default=os.path.join(ROOT, ".venv-mlserver"), help="MLServer's venv")
    parser.add_argument("--json", metavar="FILE", help="write every figure, command and setting as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, bodies, CSVs)")
    options = parser.parse_args()

    parts = [p.strip() for p in options.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        fail(f"--only: unknown part(s) {', '.join(unknown) or '(none)'}; the parts are {', '.join(PARTS)}")
    parts = set(parts)
    if options.concurrency < 1 or options.rounds < 1 or options.duration <= 0:
        fail("--concurrency, --rounds and --duration must be positive")
    for name, path in (("vaed", options.vaed), ("vaectl", options.vaectl)):
        if not os.access(path, os.X_OK):
            fail(f"{name} not found at {path}: build with `swift build -c release` or pass --{name}")
    if not os.path.isfile(options.model):
        fail(f"no model file {options.model}")
    tools = Tools(options, parts)
    model_path = os.path.abspath(options.model)
    height, width, channels, kind, z_dim = model_geometry(model_path)
    if channels != 1:
        fail(f"{options.model} has {channels} channels; the benchmark sends grey images")
    v2_model = f"{options.name}.encode"

    work = tempfile.mkdtemp(prefix="open-inference-")
    servers = []
    try:
        results = run(options, parts, tools, model_path, height, width, kind, z_dim, v2_model, work, servers)
    finally:
        for server in reversed(servers):
            server.stop()
        if options.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(results, options)


def run(options, parts, tools, model_path, height, width, kind, z_dim, v2_model, work, servers):
    started, load_before = time.strftime("%Y-%m-%d %H:%M:%S %z"), list(os.getloadavg())
    image = first_test_image(height, width)
    image_file = FASHION_TEST_IMAGES
    image_source = "the first Fashion-MNIST test image"
    if image is None:
        image = synthetic_image(height, width)
        image_file = os.path.join(work, "synthetic-idx3-ubyte")  # IDX: what vaectl's --input reads
        with open(image_file, "wb") as f:
            f.write(struct.pack(">IIII", 0x803, 1, height, width) + image)
        image_source = "a synthetic ellipse"
    body = json_body(image, height, width)
    with open(os.path.join(work, "encode.json"), "wb") as f:
        f.write(body)
    with open(os.path.join(work, "encode.lua"), "w") as f:
        f.write(WRK_LUA)
    pa_input = os.path.join(work, "pa-input.json")
    with open(pa_input, "w") as f:
        json.dump({"data": [{"images": {"content": list(image), "shape": [height, width]}}]}, f)

    # vaed: its own socket; --http/--grpc unless those parts are skipped or pointed elsewhere.
    sock = os.path.join(work, "vaed.sock")
    vaed_command = [options.vaed, "--model", f"{options.name}={model_path}", "--socket", sock]
    http_address = options.http_url
    grpc_address = options.grpc_url
    if parts & {"pa-http", "wrk-vaed"} and not http_address:
        http_address = f"127.0.0.1:{free_port()}"
        vaed_command += ["--http", http_address]
    if "pa-grpc" in parts and not grpc_address:
        grpc_address = f"127.0.0.1:{free_port()}"
        vaed_command += ["--grpc", grpc_address]
    hint = ("(a vaed without the Open Inference Protocol refuses --http/--grpc: --only wrk-mlserver,vaectl runs "
            "without them)") if "--http" in vaed_command or "--grpc" in vaed_command else ""
    vaed = Server("vaed", vaed_command, os.path.join(work, "vaed.log"), hint=hint)
    servers.append(vaed)

    mlserver = None
    mlserver_address = None
    if "wrk-mlserver" in parts:
        mlserver_address = f"127.0.0.1:{free_port()}"
        mlserver = start_mlserver(options, tools, model_path, v2_model, mlserver_address, work)
        servers.append(mlserver)

    # Ready: the socket answers, the V2 endpoints answer their ready calls.
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):
        vaed.check_alive()
        if time.monotonic() > deadline:
            fail("vaed made no socket in 30 s")
        time.sleep(0.01)
    if http_address and parts & {"pa-http", "wrk-vaed"}:
        wait_ready(None if options.http_url else vaed, f"http://{http_address}", v2_model, 30)
    if grpc_address and "pa-grpc" in parts:
        wait_grpc_ready(tools, grpc_address, v2_model, 30)
    if mlserver is not None:
        wait_ready(mlserver, f"http://{mlserver_address}", v2_model, 120)

    # Agreement: every server encodes the test image alike (vaectl encode on the socket is the reference).
    agreement = {}
    reference = vaectl_encode(options.vaectl, sock, image_file) if image_file else {}
    json_headers = {"Content-Type": "application/json"}
    for name, address, wanted in (("vaed V2 HTTP", http_address, "wrk-vaed" in parts),
                                  ("MLServer", mlserver_address, mlserver is not None)):
        if not wanted:
            continue
        status, answer = http("POST", f"http://{address}/v2/models/{v2_model}/infer", body, json_headers, 30)
        if status != 200:
            fail(f"{name} answered the JSON encode request with {status}: {answer[:300].decode(errors='replace')}")
        outputs = outputs_of(answer)
        agreement[name] = {"outputs": sorted(outputs),
                           "max_abs_difference_vs_vaectl_encode": {
                               k: max_difference(outputs[k], reference[k][0]) for k in ("mu", "logvar", "z")
                               if k in outputs and k in reference}}

    runs = {p: [] for p in ("pa-http", "pa-grpc", "wrk-vaed", "wrk-mlserver", "vaectl")}

    def do(part):
        # CPU use while it runs: the load generator's (a finished child) and the server's (its process group).
        server = mlserver if part == "wrk-mlserver" else (None if part in OIP_PARTS and external(part) else vaed)
        wall, generator = time.monotonic(), children_cpu_seconds()
        served = group_cpu_seconds(server.process.pid) if server else None
        if part == "pa-http":
            runs[part].append(run_perf_analyzer(tools, "http", http_address, v2_model, options, work, pa_input,
                                                f"{height},{width}"))
        elif part == "pa-grpc":
            runs[part].append(run_perf_analyzer(tools, "grpc", grpc_address, v2_model, options, work, pa_input,
                                                f"{height},{width}"))
        elif part == "wrk-vaed":
            runs[part].append(run_wrk(tools, f"http://{http_address}/v2/models/{v2_model}/infer", options, work))
        elif part == "wrk-mlserver":
            runs[part].append(run_wrk(tools, f"http://{mlserver_address}/v2/models/{v2_model}/infer", options,
                                      work))
        elif part == "vaectl":
            runs[part].append(run_vaectl(options.vaectl, sock, options, image_file))
        last = runs[part][-1]
        wall = time.monotonic() - wall
        last["generator_cpu_cores"] = (children_cpu_seconds() - generator) / wall
        last["server_cpu_cores"] = (group_cpu_seconds(server.process.pid) - served) / wall if server else None
        shown = last.get("error") or (
            f"{last['infer_per_second']:,.0f} infer/s, p99 {last['latency_us']['p99']:,.0f} µs; CPU cores: "
            f"load generator {last['generator_cpu_cores']:.2f}, server "
            + (f"{last['server_cpu_cores']:.2f}" if server else "not ours"))
        print(f"  {part:13s} {shown}", file=sys.stderr, flush=True)

    def external(part):
        return bool(options.grpc_url) if part == "pa-grpc" else bool(options.http_url)

    # Warm-up (not measured): a short wrk run against each HTTP server.
    warm = argparse.Namespace(**{**vars(options), "duration": 2})
    if "wrk-vaed" in parts:
        run_wrk(tools, f"http://{http_address}/v2/models/{v2_model}/infer", warm, work)
    if "wrk-mlserver" in parts:
        run_wrk(tools, f"http://{mlserver_address}/v2/models/{v2_model}/infer", warm, work)

    # wrk vaed and wrk MLServer back to back, the pair's order swapped each round; the others around them.
    order = [p for p in ("wrk-vaed", "wrk-mlserver", "pa-http", "pa-grpc", "vaectl") if p in parts]
    for r in range(options.rounds):
        print(f"round {r + 1} of {options.rounds}", file=sys.stderr, flush=True)
        sequence = order if r % 2 == 0 else swap_pairs(order)
        for part in sequence:
            vaed.check_alive()
            if mlserver is not None:
                mlserver.check_alive()
            do(part)

    return {
        "date": started, "load_average_before_after": [load_before, list(os.getloadavg())],
        "cpu": cpu_model(), "cores": os.cpu_count(), "gemm": vaed_gemm(options.vaed),
        "model": {"file": model_path, "kind": kind, "z_dim": z_dim, "v2_name": v2_model},
        "image": image_source, "concurrency": options.concurrency, "duration_s": options.duration,
        "rounds": options.rounds, "mlserver_workers": options.mlserver_workers,
        "vaed_command": shell(vaed_command), "mlserver_command": getattr(mlserver, "shown", None),
        "agreement": agreement, "runs": runs,
        "summary": {p: summarise(v) for p, v in runs.items() if v},
    }


def swap_pairs(order):
    """The second round's order: the wrk pair swapped, the perf_analyzer pair swapped."""
    out = list(order)
    for a, b in (("wrk-vaed", "wrk-mlserver"), ("pa-http", "pa-grpc")):
        if a in out and b in out:
            i, j = out.index(a), out.index(b)
            out[i], out[j] = out[j], out[i]
    return out


def vaed_gemm(vaed):
    vae = os.path.join(os.path.dirname(vaed), "vae")
    return gemm_kernels(vae) if os.access(vae, os.X_OK) else "unknown (no vae binary beside vaed)"


def start_mlserver(options, tools, model_path, v2_model, address, work):
    """MLServer from its venv, serving Tools/bench/mlserver_encoder/model.py with the templates filled in."""
    template = os.path.join(ROOT, "Tools", "bench", "mlserver_encoder")
    folder = os.path.join(work, "mlserver")
    model_folder = os.path.join(folder, v2_model)  # MLServer warns when the folder is not named as the model
    os.makedirs(model_folder)
    with open(os.path.join(template, "settings.json")) as f:
        settings = json.load(f)
    host, port = address.rsplit(":", 1)
    settings.update(host=host, http_port=int(port), grpc_port=free_port(), metrics_port=free_port(),
                    parallel_workers=options.mlserver_workers)
    with open(os.path.join(folder, "settings.json"), "w") as f:
        json.dump(settings, f, indent=2)
    with open(os.path.join(template, "model-settings.json")) as f:
        model_settings = json.load(f)
    model_settings["name"] = v2_model
    model_settings["parameters"]["uri"] = model_path
    model_settings["parameters"]["extra"]["tools_dir"] = os.path.join(ROOT, "Tools")
    with open(os.path.join(model_folder, "model-settings.json"), "w") as f:
        json.dump(model_settings, f, indent=2)
    shutil.copy(os.path.join(template, "model.py"), model_folder)
    # This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow a current numpy, so
    # MLServer runs without them (see /work/.library/env: unset both together for a benchmark).
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    command = [tools.mlserver, "start", folder]
    server = Server("MLServer", command, os.path.join(work, "mlserver.log"), env=env, cwd=folder)
    server.shown = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE " + shell(command)
    server.settings = settings
    return server


def report(results, options):
    s = results["summary"]
    targets = {"pa-http": 25000, "pa-grpc": 25000}
    rows = []

    def met(value, target, less=False):
        if value is None:
            return ""
        return "met" if (value <= target if less else value >= target) else "not met"

    for part, label in (("pa-http", "perf_analyzer HTTP, binary UINT8 1×28×28"),
                        ("pa-grpc", "perf_analyzer gRPC, binary UINT8 1×28×28")):
        if part in s:
            x = s[part]
            rows.append((f"{label}: infer/s", fmt_rate(x), "", "", "≥ 25,000",
                         met(x and x["infer_per_second"], targets[part])))
            rows.append(("  p50 / p99 latency (ms)", f"{fmt_latency(x, 'p50')} / {fmt_latency(x, 'p99')}", "", "",
                         "p99 ≤ 5", met(x and x["latency_us"]["p99"] / 1000, 5, less=True)))
            rows.append((CPU_ROW, fmt_cpu(x), "", "", "", ""))
    if "wrk-vaed" in s or "wrk-mlserver" in s:
        a, b = s.get("wrk-vaed"), s.get("wrk-mlserver")
        ratio = a["infer_per_second"] / b["infer_per_second"] if a and b else None
        rows.append(("wrk, JSON UINT8 1×28×28 (same body): infer/s", fmt_rate(a) if "wrk-vaed" in s else "–",
                     fmt_rate(b) if "wrk-mlserver" in s else "–", f"{ratio:.1f}×" if ratio else "",
                     "≥ 10× MLServer", met(ratio, 10)))
        rows.append(("  p50 / p99 latency (ms)",
                     f"{fmt_latency(a, 'p50')} / {fmt_latency(a, 'p99')}" if a else "–",
                     f"{fmt_latency(b, 'p50')} / {fmt_latency(b, 'p99')}" if b else "–", "", "", ""))
        rows.append((CPU_ROW, fmt_cpu(a), fmt_cpu(b), "", "", ""))
    if "vaectl" in s:
        x = s["vaectl"]
        rows.append(("vaectl bench, Unix socket, u8 1 image: infer/s", fmt_rate(x), "", "", "", ""))
        rows.append(("  p50 / p99 latency (ms)", f"{fmt_latency(x, 'p50')} / {fmt_latency(x, 'p99')}", "", "",
                     "", ""))
        rows.append((CPU_ROW, fmt_cpu(x), "", "", "", ""))

    print(f"CPU: {results['cpu']}, {results['cores']} cores; GEMM: {results['gemm']}")
    print(f"{results['date']}; model {results['model']['file']} ({results['model']['kind']}, "
          f"z_dim {results['model']['z_dim']}) as {results['model']['v2_name']}; {results['image']}; "
          f"concurrency {results['concurrency']}; {results['duration_s']:g} s per measurement; "
          f"median of {results['rounds']} round(s)")
    before, after = results["load_average_before_after"]
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in before)}; after: "
          f"{', '.join(f'{x:.2f}' for x in after)} (other work on the machine skews every figure)")
    header = ("figure", "vaed", "MLServer", "vaed/MLServer", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())

    for name, a in results["agreement"].items():
        d = a["max_abs_difference_vs_vaectl_encode"]
        print(f"agreement: {name} answers {', '.join(a['outputs'])}; largest |difference| from vaectl encode on the "
              "socket: " + (", ".join(f"{k} {v:.2e}" for k, v in d.items()) if d else "not checked"))
        if any(v > 1e-4 for v in d.values()):
            print(f"  {name} does NOT compute the same encoder as vaed's socket (more than 1e-4 apart)")
    failures = [(p, r) for p, rs in results["runs"].items() for r in rs if "error" in r or r.get("note")]
    for part, r in failures:
        print(f"{part}: {r.get('error') or r.get('note')}")
    print("commands:")
    print(f"  {results['vaed_command']}")
    if results["mlserver_command"]:
        print(f"  {results['mlserver_command']}  (settings.json parallel_workers {results['mlserver_workers']}, "
              f"model-settings.json from Tools/bench/mlserver_encoder/)")
    for part, rs in results["runs"].items():
        if rs:
            print(f"  {rs[0]['command']}")
    if options.json:
        with open(options.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
