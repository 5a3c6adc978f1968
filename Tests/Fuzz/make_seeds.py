#!/usr/bin/env python3
"""Writes the fuzz targets' hand-made seeds into Tests/Fuzz/Seeds/<target>/ (committed; rerun after changing it).

Each seed is a small valid input, or one that breaks one rule, in the target's input form (see the target's doc
comment in Tests/Fuzz/VAEFuzzTargets). The .vaez target also starts from Formats/vectors, which Tools/fuzz and the
regression tests add themselves. Needs tritonclient[grpc] (Tools/setup installs it) for the gRPC messages.

    python3 Tests/Fuzz/make_seeds.py
"""
import base64
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEEDS = os.path.join(HERE, "Seeds")


def write(target, name, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def png(width, height, color_type, bit_depth, rows, palette=None, interlace=0):
    """A PNG file; `rows` are the raw scanlines without filter bytes."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    raw = b"".join(b"\x00" + row for row in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette:
        out += chunk(b"PLTE", palette)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def digit_pixels(width=28, height=28):
    """A ring, as a handwritten zero roughly is."""
    pixels = []
    for y in range(height):
        for x in range(width):
            d = ((x - width / 2) ** 2 + (y - height / 2) ** 2) ** 0.5
            pixels.append(255 if abs(d - width / 3) < 2.5 else 0)
    return pixels


def adam7_grey8(pixels, width, height):
    """An interlaced 8-bit grey PNG: the seven Adam7 passes, each a run of filtered scanlines."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            row = bytes(pixels[y * width + x] for x in range(x0, width, dx))
            if row:
                raw += b"\x00" + row
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def grey8(width=28, height=28):
    p = digit_pixels(width, height)
    return png(width, height, 0, 8, [bytes(p[y * width:(y + 1) * width]) for y in range(height)])


def json_seeds():
    t = "FuzzJSON"
    write(t, "request", '{"jsonrpc":"2.0","id":1,"method":"encode","params":{"images":[[0,0.5,1]]}}')
    write(t, "numbers", '[0,-0,1.5,-2.25e-7,1E+30,12345678901234567890,0.1e1,-1e-400]')
    write(t, "strings", r'{"a":"\u00e9\ud83d\ude00\n\t\"\\\/","é":"e\u0301","":""}')
    write(t, "nested", "[" * 16 + "]" * 16)
    write(t, "too-deep", "[" * 17 + "]" * 17)
    write(t, "duplicate-key", '{"a":1,"b":{"a":2},"a":3}')
    write(t, "not-finite", "[1e400]")
    write(t, "lone-surrogate", r'["\ud800"]')
    write(t, "bad-utf8", b'["\xc3\x28"]')
    write(t, "literals", ' {"t":true,"f":false,"n":null} ')


def request_line(method, params, id=1):
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}, separators=(",", ":"))


def rpc_seeds():
    t = "FuzzRPCLine"
    flat = [round(v / 255, 3) for v in digit_pixels()]
    u8 = base64.b64encode(bytes(digit_pixels())).decode()
    write(t, "hello", '{"jsonrpc":"2.0","id":"a","method":"hello"}')
    write(t, "encode-array", request_line("encode", {"model": "digits", "images": [flat]}))
    write(t, "encode-rows", request_line("encode", {"model": "digits", "images": [[flat[y * 28:(y + 1) * 28] for y in range(28)]],
                                                    "sample": True, "seed": 7}))
    write(t, "encode-u8", request_line("encode", {"model": "digits", "images": [{"u8": u8}]}))
    write(t, "denoise-png", request_line("denoise", {"model": "digits", "output": "png",
                                                     "images": [{"png": base64.b64encode(grey8()).decode()}]}))
    write(t, "decode", request_line("decode", {"model": "tiny", "z": [[0.5, -1], [0, 0]], "output": "u8"}))
    write(t, "sample", request_line("sample", {"model": "digits", "count": 3, "seed": 42, "start": 5,
                                               "temperature": 0.8}))
    write(t, "batch", "[" + request_line("health", None) + "," + request_line("models", {}, id=None) + ",1]")
    write(t, "stats-prometheus", request_line("stats", {"format": "prometheus"}))
    write(t, "unknown-model", request_line("encode", {"model": "nope", "images": [[0] * 12]}))
    write(t, "wrong-shape", request_line("encode", {"model": "tiny", "images": [[0] * 11]}))
    write(t, "not-json", '{"jsonrpc":"2.0","id":1,"method":')
    write(t, "rgb-encode", request_line("encode", {"model": "rgb", "images": [[[[0.5, 0, 1]] * 3] * 4]}))
    write(t, "table-encode", request_line("encode", {"model": "table", "rows": [[20, 1000, 0.5], [5, 1020, 0.75]]}))
    write(t, "table-decode", request_line("decode", {"model": "table", "z": [[0, 0]]}))


def image_seeds():
    t = "FuzzImagePayload"
    p = digit_pixels()
    write(t, "png-grey8", b"\x00" + grey8())
    rows16 = [b"".join(struct.pack(">H", v * 257) for v in p[y * 28:(y + 1) * 28]) for y in range(28)]
    write(t, "png-grey16", b"\x00" + png(28, 28, 0, 16, rows16))
    rows_rgb = [bytes(c for v in p[y * 28:(y + 1) * 28] for c in (v, v // 2, 255 - v)) for y in range(28)]
    write(t, "png-rgb", b"\x00" + png(28, 28, 2, 8, rows_rgb))
    rows_rgba = [bytes(c for v in p[y * 28:(y + 1) * 28] for c in (v, v, v, 128)) for y in range(28)]
    write(t, "png-rgba", b"\x00" + png(28, 28, 6, 8, rows_rgba))
    rows_pal = [bytes(v // 64 for v in p[y * 28:(y + 1) * 28]) for y in range(28)]
    write(t, "png-palette", b"\x00" + png(28, 28, 3, 8, rows_pal, palette=bytes([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255])))
    rows_1bit = [bytes(sum((1 if p[y * 28 + x + b] else 0) << (7 - b) for b in range(8) if x + b < 28)
                       for x in range(0, 28, 8)) for y in range(28)]
    write(t, "png-1bit", b"\x00" + png(28, 28, 0, 1, rows_1bit))
    write(t, "png-interlaced", b"\x00" + adam7_grey8(p, 28, 28))
    write(t, "png-other-size", b"\x00" + grey8(30, 20))
    write(t, "png-truncated", b"\x00" + grey8()[:60])
    write(t, "u8", b"\x01" + bytes(p))
    write(t, "u8-short", b"\x01" + bytes(p[:700]))
    write(t, "arrays", b"\x02" + json.dumps([[v / 255 for v in p], [[0.0] * 28] * 28]).encode())
    write(t, "array-out-of-range", b"\x02" + json.dumps([[1.5] * 784]).encode())


def idx(dimensions, values):
    return bytes([0, 0, 8, len(dimensions)]) + b"".join(struct.pack(">I", d) for d in dimensions) + bytes(values)


def idx_seeds():
    t = "FuzzIDX"
    images = idx([2, 28, 28], digit_pixels() * 2)
    write(t, "images", images)
    write(t, "labels", idx([5], [0, 1, 2, 3, 9]))
    write(t, "rank4", idx([1, 2, 3, 2], range(12)))
    write(t, "images-gz", gzip.compress(images, mtime=0))
    write(t, "two-members-gz", gzip.compress(images[:100], mtime=0) + gzip.compress(images[100:], mtime=0))
    write(t, "truncated", images[:-5])
    write(t, "bad-type", bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\x00\x00\x00\x00")
    write(t, "gz-cut", gzip.compress(images, mtime=0)[:-9])


def v2_body(inputs, parameters=None, outputs=None):
    body = {"id": "r1", "inputs": inputs}
    if parameters:
        body["parameters"] = parameters
    if outputs:
        body["outputs"] = outputs
    return json.dumps(body, separators=(",", ":")).encode()


def v2_seeds():
    t = "FuzzV2Infer"
    # Selector byte: bits 0-2 and 4 pick the model (0 digits.encode, 1 digits.decode, 2 digits.denoise,
    # 3 digits.sample, 4..7 the same for tiny, 0x10..0x13 for rgb, 0x14..0x17 for table); bit 3: a 4-byte header
    # length follows.
    p = digit_pixels()
    write(t, "encode-json-u8", b"\x00" + v2_body([{"name": "images", "datatype": "UINT8", "shape": [1, 28, 28],
                                                   "data": p}]))
    write(t, "encode-json-fp32-nested", b"\x00" + v2_body(
        [{"name": "images", "datatype": "FP32", "shape": [1, 28, 28],
          "data": [[[v / 255 for v in p[y * 28:(y + 1) * 28]] for y in range(28)]]}], outputs=[{"name": "mu"}]))
    header = v2_body([{"name": "images", "datatype": "UINT8", "shape": [1, 28, 28],
                       "parameters": {"binary_data_size": 784}}],
                     outputs=[{"name": "z", "parameters": {"binary_data": True}}])
    write(t, "encode-binary", b"\x08" + struct.pack("<I", len(header)) + header + bytes(p))
    write(t, "decode-json", b"\x05" + v2_body([{"name": "z", "datatype": "FP32", "shape": [2, 2],
                                               "data": [0.5, -1, 0, 0]}]))
    codes = struct.pack("<4f", 0.5, -1, 0, 0)
    header = v2_body([{"name": "z", "datatype": "FP32", "shape": [2, 2], "parameters": {"binary_data_size": 16}}])
    write(t, "decode-binary", b"\x0d" + struct.pack("<I", len(header)) + header + codes)
    write(t, "denoise-json", b"\x06" + v2_body([{"name": "images", "datatype": "UINT8", "shape": [1, 4, 3],
                                                "data": list(range(12))}]))
    write(t, "sample-parameters", b"\x03" + v2_body([], parameters={"count": 2, "seed": 18446744073709551615,
                                                                     "temperature": 0.5, "start": 3}))
    write(t, "sample-tensors", b"\x07" + v2_body([{"name": "count", "datatype": "INT32", "shape": [1], "data": [4]},
                                                 {"name": "seed", "datatype": "UINT64", "shape": [1], "data": [9]}]))
    write(t, "wrong-datatype", b"\x00" + v2_body([{"name": "images", "datatype": "BYTES", "shape": [1, 28, 28],
                                                  "data": ["a"]}]))
    write(t, "binary-size-mismatch", b"\x08" + struct.pack("<I", len(header)) + header + codes[:7])
    write(t, "header-past-body", b"\x08" + struct.pack("<I", 4096) + b"{}")
    write(t, "not-json", b"\x00{\"inputs\":[")
    write(t, "rgb-encode", b"\x10" + v2_body([{"name": "images", "datatype": "UINT8", "shape": [2, 4, 3, 3],
                                              "data": list(range(72))}]))
    write(t, "rgb-encode-grey-shape", b"\x10" + v2_body([{"name": "images", "datatype": "FP32", "shape": [2, 4, 3],
                                                         "data": [0.5] * 24}]))
    write(t, "table-encode", b"\x14" + v2_body([{"name": "rows", "datatype": "FP32", "shape": [2, 3],
                                                "data": [20, 1000, 0.5, 5, 1020, 0.75]}]))
    write(t, "table-decode", b"\x15" + v2_body([{"name": "z", "datatype": "FP32", "shape": [1, 2], "data": [0, 0]}]))


def grpc_seeds():
    t = "FuzzGRPCInfer"
    from tritonclient.grpc import service_pb2 as pb
    p = digit_pixels()

    def tensor(name, datatype, shape):
        x = pb.ModelInferRequest.InferInputTensor(name=name, datatype=datatype)
        x.shape.extend(shape)
        return x

    m = pb.ModelInferRequest(model_name="digits.encode", id="g1")
    m.inputs.append(tensor("images", "UINT8", [1, 28, 28]))
    m.raw_input_contents.append(bytes(p))
    m.outputs.append(pb.ModelInferRequest.InferRequestedOutputTensor(name="mu"))
    write(t, "encode-raw", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="tiny.encode")
    x = tensor("images", "FP32", [1, 4, 3])
    x.contents.fp32_contents.extend([v / 12 for v in range(12)])
    m.inputs.append(x)
    write(t, "encode-typed-fp32", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="digits.decode")
    m.inputs.append(tensor("z", "FP32", [2, 2]))
    m.raw_input_contents.append(struct.pack("<4f", 0.5, -1, 0, 0))
    write(t, "decode-raw", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="digits.sample")
    m.parameters["count"].int64_param = 3
    m.parameters["seed"].uint64_param = 18446744073709551615
    m.parameters["temperature"].double_param = 0.7
    write(t, "sample-parameters", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="tiny.sample")
    x = tensor("count", "INT32", [1])
    x.contents.int_contents.append(2)
    m.inputs.append(x)
    write(t, "sample-tensor", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="digits.denoise")
    m.inputs.append(tensor("images", "UINT8", [2, 28, 28]))
    m.raw_input_contents.append(bytes(p))
    write(t, "denoise-raw-short", m.SerializeToString())

    m = pb.ModelInferRequest(model_name="nope.encode")
    write(t, "unknown-model", m.SerializeToString())
    write(t, "truncated", pb.ModelInferRequest(model_name="digits.encode", id="x" * 40).SerializeToString()[:-10])


def safetensors_seeds():
    """Converted from the spec's golden vectors by the Python reader (Tools/vaez.py), plus hand-made cases."""
    t = "FuzzSafetensors"
    with tempfile.TemporaryDirectory() as folder:
        for vector in ["ae-f32.vaez", "vae-f16.vaez", "vae-int8.vaez"]:
            source = os.path.join(ROOT, "Formats/vectors", vector)
            if not os.path.exists(source):
                continue
            out = os.path.join(folder, vector + ".safetensors")
            subprocess.run([sys.executable, os.path.join(ROOT, "Tools/vaez.py"), "to-safetensors", source, out],
                           check=True, stdout=subprocess.DEVNULL)
            with open(out, "rb") as f:
                data = f.read()
            write(t, vector.replace(".vaez", ""), data)
    header = json.dumps({"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
                         "b": {"dtype": "BF16", "shape": [2], "data_offsets": [8, 12]}}).encode()
    write(t, "f16-bf16-unnamed", struct.pack("<Q", len(header)) + header + bytes(12))
    write(t, "header-too-long", struct.pack("<Q", 1 << 40) + b"{}")
    write(t, "offsets-mismatch", struct.pack("<Q", 60) + json.dumps(
        {"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}).encode().ljust(60) + bytes(8))


if __name__ == "__main__":
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    json_seeds()
    rpc_seeds()
    image_seeds()
    idx_seeds()
    v2_seeds()
    grpc_seeds()
    safetensors_seeds()
    for target in sorted(os.listdir(SEEDS)):
        print(f"{target}: {len(os.listdir(os.path.join(SEEDS, target)))} seeds")
