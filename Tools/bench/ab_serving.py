"""Two vaed builds against each other, alternating, loaded by one vaectl: encode u8 16×4, sample-64-PNG 16×4, encode 1×1.

Usage: python3 Tools/bench/ab_serving.py VAED_A VAED_B VAECTL MODEL [ROUNDS [SECONDS]]
(ONLY=encode16x4 runs one scenario). Prints each round, then per scenario the req/s, p50 and p99 of every round.
"""
import json, os, subprocess, sys, time, tempfile
if len(sys.argv) < 5:
    sys.exit(__doc__)
A, B, VAECTL, MODEL = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 3
DUR = sys.argv[6] if len(sys.argv) > 6 else "5"
work = tempfile.mkdtemp()
def start(vaed):
    sock = f"{work}/s.sock"
    p = subprocess.Popen([vaed, "--model", f"fashion={MODEL}", "--socket", sock], stderr=subprocess.DEVNULL)
    for _ in range(1000):
        if os.path.exists(sock): break
        time.sleep(0.01)
    time.sleep(0.3)
    return p, sock
def bench(sock, args):
    out = subprocess.run([VAECTL, "bench", "--socket", sock, "--duration", DUR, "--json"] + args, capture_output=True, text=True, check=True).stdout
    return json.loads(out)
SCEN_ONLY = os.environ.get("ONLY")
scen = {
  "encode16x4": ["--method", "encode", "--payload", "u8", "--connections", "16", "--depth", "4", "--threads", "2"],
  "samplePNG16x4": ["--method", "sample", "--count", "64", "--output", "png", "--connections", "16", "--depth", "4", "--threads", "2"],
  "encode1x1": ["--method", "encode", "--payload", "u8", "--connections", "1", "--depth", "1"],
}
scen = {k: v for k, v in scen.items() if not SCEN_ONLY or k == SCEN_ONLY}
res = {"A": {k: [] for k in scen}, "B": {k: [] for k in scen}}
for r in range(ROUNDS):
    for name, vaed in (("A", A), ("B", B)) if r % 2 == 0 else (("B", B), ("A", A)):
        p, sock = start(vaed)
        try:
            for k, args in scen.items():
                rep = bench(sock, args)
                res[name][k].append((rep.get("requests_per_second"), rep["latency_us"]["p50"], rep["latency_us"]["p99"]))
        finally:
            p.terminate(); p.wait()
        os.unlink(sock) if os.path.exists(sock) else None
    print("round", r, json.dumps({n: {k: v[-1] for k, v in res[n].items()} for n in res}), flush=True)
for k in scen:
    for n in ("A", "B"):
        v = res[n][k]
        print(f"{k:14s} {n}: req/s " + " ".join(f"{x[0]:.0f}" for x in v) + " | p50 " + " ".join(f"{x[1]:.0f}" for x in v) + " | p99 " + " ".join(f"{x[2]:.0f}" for x in v))
