#!/usr/bin/env python3
"""vaed's serving targets, measured in one run: start-up, latency, throughput and resident memory.

Uses the release builds of vaed and vaectl (`swift build -c release`) and vaectl bench as the load generator, on the
same machine. Without --model it trains the seed-architecture Fashion-MNIST VAE for one epoch (speed does not
depend on the weights). Prints a table (or --json) with each figure, its target and the command behind it.

    python3 Tools/bench/serving.py [--model FILE] [--duration 10] [--soak 300] [--only soak ...] [--json]
                                   [--guest-halt-poll-ns NS]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

from machine import cpu_model, gemm_kernels

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def release_binary(name):
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip() + "/" + name
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run `swift build -c release` first")
    return path


def hello(path):
    """True when a daemon answers `hello` on `path`."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(path)
            s.sendall(b'{"id":1,"method":"hello"}\n')
            return b'"result"' in s.recv(4096)
    except OSError:
        return False


def start(vaed, model, sock):
    """Starts vaed; returns the process and the seconds from exec to the first answered `hello`."""
    started = time.monotonic()
    process = subprocess.Popen([vaed, "--model", f"fashion={model}", "--socket", sock],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not hello(sock):
        if process.poll() is not None or time.monotonic() - started > 30:
            sys.exit("vaed did not start")
        time.sleep(0.0005)
    return process, time.monotonic() - started


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def bench(vaectl, sock, args, duration):
    command = [vaectl, "bench", "--socket", sock, "--duration", str(duration), "--json"] + args
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout), "vaectl bench " + " ".join(args + ["--duration", str(duration)])


SCENARIOS = ["startup", "latency", "throughput", "sample", "soak"]
FASHION_TEST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
# How long an idle virtual CPU polls before halting (Linux's cpuidle-haltpoll guest driver; the kernel's default is
# 200000). At 0, every wake-up of an idle vCPU goes through the hypervisor: that dominates single-request latency.
HALT_POLL = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"


def read_halt_poll():
    """The guest's halt-polling window in ns, or None when the machine has no haltpoll driver."""
    try:
        with open(HALT_POLL) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def write_halt_poll(value):
    try:
        with open(HALT_POLL, "w") as f:
            f.write(str(value))
    except OSError as error:
        sys.exit(f"cannot set {HALT_POLL} to {value}: {error} (it needs root and the haltpoll driver)")


def start_line_echo(work):
    """Builds and starts Tools/bench/line_echo.c: the least a server that sleeps between requests can do here.
    Returns the process and its socket, or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    binary, sock = f"{work}/line_echo", f"{work}/line_echo.sock"
    subprocess.run([compiler, "-O2", "-pthread", "-o", binary, f"{ROOT}/Tools/bench/line_echo.c"], check=True)
    process = subprocess.Popen([binary, sock])
    deadline = time.monotonic() + 10
    while not hello(sock):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit("line_echo did not start")
        time.sleep(0.001)
    return process, sock


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a seed-architecture .vaez (default: train one for an epoch)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per load scenario")
    parser.add_argument("--soak", type=float, default=300, help="seconds of the memory soak (0: skip)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=SCENARIOS, help="scenarios to run (default: all)")
    parser.add_argument("--json", action="store_true", help="figures as JSON (with the soak's RSS samples)")
    parser.add_argument("--guest-halt-poll-ns", type=int, metavar="NS",
                        help=f"set {HALT_POLL} for the run and restore it after (root; default: leave it)")
    options = parser.parse_args()

    halt_poll = read_halt_poll()
    if options.guest_halt_poll_ns is not None:
        if halt_poll is None:
            sys.exit(f"{HALT_POLL} does not exist: this machine has no haltpoll driver")
        write_halt_poll(options.guest_halt_poll_ns)
    try:
        run(options)
    finally:
        if options.guest_halt_poll_ns is not None:
            write_halt_poll(halt_poll)


def run(options):

    vaed, vaectl = release_binary("vaed"), release_binary("vaectl")
    work = tempfile.mkdtemp(prefix="vaed-bench-")
    model = options.model
    if model is None:
        model = f"{work}/run/model.vaez"
        subprocess.run([release_binary("vae"), "train", "--dataset", "fashion-mnist", "--epochs", "1",
                        "--out", f"{work}/run"], check=True, capture_output=True)
    sock = f"{work}/vaed.sock"
    rows = []

    # Start-up: from exec to the first answer, best and median of 5.
    if "startup" in options.only:
        times = []
        for _ in range(5):
            process, ready = start(vaed, model, sock)
            times.append(ready * 1000)
            stop(process)
        times.sort()
        rows.append(("ready to answer after start (ms)", f"{times[0]:.1f} best, {times[2]:.1f} median", "≤ 100",
                     times[2] <= 100, "python3 Tools/bench/serving.py (exec → first hello)"))

    process, _ = start(vaed, model, sock)
    idle_rss = rss_kib(process.pid)
    soak_samples = []
    try:
        if "latency" in options.only:
            # The floor first: a blocking C server that answers without work. On a VM, waking an idle vCPU dominates
            # a lone round trip, so the encode's target is relative to this floor, measured in the same run.
            echo = start_line_echo(work)
            floor = None
            if echo is not None:
                try:
                    report, command = bench(vaectl, echo[1], ["--method", "health", "--connections", "1", "--depth",
                                                              "1"], options.duration)
                finally:
                    stop(echo[0])
                floor = report["latency_us"]["p50"]
                rows.append(("line_echo.c (blocking C server, no work), 1 × 1: p50 (µs)", f"{floor:.0f}", None,
                             True, command.replace("vaectl bench", "vaectl bench --socket <line_echo>", 1)))
            report, command = bench(vaectl, sock, ["--method", "encode", "--payload", "u8", "--connections", "1",
                                                   "--depth", "1"], options.duration)
            p50 = report["latency_us"]["p50"]
            if floor is None:
                rows.append(("encode, u8, 1 connection × 1: p50 round trip (µs)", f"{p50:.0f} (no C compiler for the floor)", "≤ 2.5 × floor",
                             False, command))
            else:
                rows.append(("encode, u8, 1 connection × 1: p50 round trip (µs)",
                             f"{p50:.0f} = {p50 / floor:.2f} × line_echo", "≤ 2.5 × floor", p50 <= 2.5 * floor,
                             command))
            # The same with a busy-polling client: without the generator's own wake-up from sleep.
            report, command = bench(vaectl, sock, ["--method", "encode", "--payload", "u8", "--connections", "1",
                                                   "--depth", "1", "--spin"], options.duration)
            p50 = report["latency_us"]["p50"]
            rows.append(("  the same, client busy-polling: p50 (µs)", f"{p50:.0f}", None, True, command))
            # The bench's synthetic digit is 76% zeros; a real garment has fewer (the first test image: 66%).
            if os.path.exists(FASHION_TEST_IMAGES):
                report, command = bench(vaectl, sock, ["--method", "encode", "--payload", "u8", "--connections", "1",
                                                       "--depth", "1", "--input", FASHION_TEST_IMAGES],
                                        options.duration)
                p50 = report["latency_us"]["p50"]
                rows.append(("  the same, Fashion-MNIST's first test image: p50 (µs)", f"{p50:.0f}",
                             None, True, command))
            report, command = bench(vaectl, sock, ["--method", "health", "--connections", "1", "--depth", "1"],
                                    options.duration)
            p50 = report["latency_us"]["p50"]
            rows.append(("  health (no model work), 1 × 1: p50 (µs)", f"{p50:.0f}", None, True, command))

        if "throughput" in options.only:
            report, command = bench(vaectl, sock, ["--method", "encode", "--payload", "u8", "--connections", "16",
                                                   "--depth", "4", "--threads", "2"], options.duration)
            rate, p99 = report["requests_per_second"], report["latency_us"]["p99"]
            rows.append(("encode, u8, 16 × 4: requests/s", f"{rate:,.0f}", "≥ 50,000", rate >= 50000, command))
            rows.append(("encode, u8, 16 × 4: p99 (µs)", f"{p99:,.0f}", "≤ 5,000", p99 <= 5000, command))

        if "sample" in options.only:
            report, command = bench(vaectl, sock, ["--method", "sample", "--count", "64", "--output", "png",
                                                   "--connections", "16", "--depth", "4", "--threads", "2"],
                                    options.duration)
            rate = report["requests_per_second"]
            rows.append(("sample 64 as PNG, 16 × 4: requests/s", f"{rate:,.0f}", "≥ 2,000", rate >= 2000, command))

        if "soak" in options.only and options.soak > 0:
            # Memory over a soak of mixed load: encode (16 × 4) with sample-as-PNG alongside, VmRSS every 5 s.
            load = [subprocess.Popen([vaectl, "bench", "--socket", sock, "--duration", str(options.soak), "--json",
                                      "--method", method, "--connections", connections, "--depth", "4"] + extra,
                                     stdout=subprocess.DEVNULL)
                    for method, connections, extra in [("encode", "16", []),
                                                       ("sample", "4", ["--count", "64", "--output", "png"])]]
            end = time.monotonic() + options.soak
            while time.monotonic() < end:
                time.sleep(5)
                soak_samples.append(rss_kib(process.pid) / 1024)
            for p in load:
                p.wait()
            # Flat: the high-water mark stops rising. A leak sets new highs all along; a daemon whose arenas have
            # reached their working size does not set them in the second half.
            half = len(soak_samples) // 2
            growth = max(soak_samples[half:]) - max(soak_samples[:half])
            peak = max(soak_samples)
            rows.append((f"resident memory over a {options.soak:.0f} s soak (MiB)",
                         f"{idle_rss / 1024:.1f} idle, {peak:.1f} peak, 2nd-half high {growth:+.1f} over 1st",
                         "≤ 64, flat", peak <= 64 and growth <= 1,
                         f"encode 16×4 + sample-PNG 4×4 for {options.soak:.0f} s, VmRSS every 5 s"))
    finally:
        stop(process)
        shutil.rmtree(work, ignore_errors=True)

    if options.json:
        print(json.dumps({"figures": [{"figure": r[0], "value": r[1], "target": r[2], "met": r[3], "command": r[4]}
                                      for r in rows],
                          "soak_rss_mib": [round(v, 2) for v in soak_samples],
                          "guest_halt_poll_ns": read_halt_poll(), "cpu": cpu_model(),
                          "gemm": gemm_kernels(release_binary("vae"))}, indent=1))
        return
    halt_poll = read_halt_poll()
    print(cpu_model())
    print(f"GEMM: {gemm_kernels(release_binary('vae'))}")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, guest halt-polling "
          + ("n/a" if halt_poll is None else f"{halt_poll} ns"))
    # Three short lines a figure, to read in 80 columns: the figure, its value and verdict, the command.
    for figure, value, target, met, command in rows:
        verdict = "(no target)" if target is None else f"target {target}: {'met' if met else 'NOT met'}"
        print(f"\n{figure.strip()}\n    {value:<32} {verdict}")
        print(textwrap.fill(command, width=80, initial_indent="    $ ", subsequent_indent="        ",
                            break_on_hyphens=False))
    if soak_samples:
        print("\nsoak VmRSS (MiB, every 5 s):")
        print(textwrap.fill(" ".join(f"{v:.1f}" for v in soak_samples), width=80, initial_indent="    ",
                            subsequent_indent="    "))

if __name__ == "__main__":
    main()
