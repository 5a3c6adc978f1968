"""A client for vaed, the VAE serving daemon, for scripts: standard library only (numpy used when present).

    from vaeclient import Client, VaedError
    with Client() as vaed:                       # socket: $VAED_SOCKET, else $XDG_RUNTIME_DIR/vaed.sock, else /tmp/vaed-<uid>/vaed.sock
        images, z, seed = vaed.sample(64, seed=7)
        codes = vaed.encode(images)["z"]
        clean = vaed.denoise([png_image("scan.png")], output="png")[0]   # PNG file bytes

Images sent may be: bytes of height*width*channels values (0-255), a flat or nested list of floats in [0, 1], a
numpy array (uint8 0-255 or float 0-1), or a protocol item such as png_image(path). A numpy array is one image or a
batch by the model's shape (asked of the daemon once): (height, width) or (n, height, width) for a grey model,
(height, width, 3) or (n, height, width, 3) for an RGB one, so (2, 2, 3) is one image for a 2x2 RGB model and two
for a 2x3 grey one; any other shape raises ValueError naming the shape and those accepted. Images returned follow
`output`: "array" (numpy float32 (n, h, w), or (n, h, w, 3) for RGB, when numpy is present, else lists of rows),
"u8" (numpy uint8 of that shape, else one bytes object per image) or "png" (one PNG file's bytes per image).

A table model (models()[i]["data"]["kind"] == "table") takes rows instead: encode(rows=...) and denoise(rows=...)
with a list of rows of D numbers or a numpy array (n, D); decode, sample and denoise then return rows (numpy
float32 (n, D), else lists), in the data's own units (the daemon undoes the model's normalisation).

Errors from the daemon raise VaedError carrying its JSON-RPC code, data.type, message and data; a daemon that cannot
be reached raises VaedUnavailable. A daemon serving several models needs model= (in the call, or Client(model=...)):
without it the error (type "model_required") says so and lists the models, also in error.data["models"]. The
protocol: Formats/protocol.md.
"""

from __future__ import annotations

import base64
import json
import os
import socket as _socket
import struct
import zlib
from collections import namedtuple

try:
    import numpy as np
except ImportError:  # numpy is optional
    np = None

__all__ = ["Client", "VaedError", "VaedUnavailable", "Samples", "png_image", "png_bytes", "socket_path"]

HINT = "is vaed running? start it with: vaed --model NAME=FILE"

Samples = namedtuple("Samples", "images z seed")


class VaedError(Exception):
    """The daemon answered with an error: `code` (JSON-RPC), `type` (data.type), `message` and `data`."""

    def __init__(self, code: int, type: str, message: str, data: dict | None = None):
        super().__init__(f"{message} ({type})" if type else message)
        self.code = code
        self.type = type
        self.message = message
        self.data = data or {}


class VaedUnavailable(ConnectionError):
    """The daemon cannot be reached, or the connection broke off."""


def socket_path(explicit: str | None = None) -> str:
    """The daemon's socket, resolved as vaed and vaectl do."""
    if explicit:
        return explicit
    if os.environ.get("VAED_SOCKET"):
        return os.environ["VAED_SOCKET"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "vaed.sock")
    return f"/tmp/vaed-{os.getuid()}/vaed.sock"


def png_image(source: "str | os.PathLike | bytes") -> dict:
    """A PNG file (a path or its bytes) as an image item; the daemon decodes it (grey, RGB or RGBA, 8 or 16 bit)."""
    data = source if isinstance(source, (bytes, bytearray)) else open(source, "rb").read()
    return {"png": base64.b64encode(data).decode("ascii")}


def png_bytes(width: int, height: int, pixels: bytes, channels: int = 1) -> bytes:
    """An 8-bit PNG file of `pixels` (height rows of width × channels bytes: grey, or RGB with channels=3), written
    with zlib and struct only."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), not {channels}")
    if len(pixels) != width * height * channels:
        raise ValueError(f"{len(pixels)} bytes do not make a {width}x{height} image of {channels} channel(s)")

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    stride = width * channels
    rows = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    colour_type = 0 if channels == 1 else 2  # PNG's grey and truecolour
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def model_required_message(models: list[str]) -> str:
    """What to do when the daemon serves several models and a call named none."""
    return f"Several models are loaded ({', '.join(models)}); pass model=NAME to the call, or Client(model=NAME)."


class Client:
    """One connection to vaed. Requests go one at a time; use one Client per thread."""

    def __init__(self, socket: str | None = None, model: str | None = None, timeout: float | None = 120):
        """Connects to the daemon at `socket` (see socket_path); `model` is used when a call names none."""
        self.path = socket_path(socket)
        self.model = model
        self._next_id = 1
        self._described: dict[str, dict] = {}
        self._sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(self.path)
        except OSError as error:
            self._sock.close()
            raise VaedUnavailable(f"cannot connect to {self.path}: {error.strerror or error} ({HINT})") from None
        self._file = self._sock.makefile("rb")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # -- the protocol's methods ------------------------------------------------------------------------------------

    def call(self, method: str, **params):
        """Sends one request and returns its result; raises VaedError for an error answer."""
        request = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        self._next_id += 1
        params = {key: value for key, value in params.items() if value is not None}
        if params:
            request["params"] = params
        try:
            self._sock.sendall(json.dumps(request, separators=(",", ":")).encode() + b"\n")
            line = self._file.readline()
        except _socket.timeout:
            raise VaedUnavailable(f"no answer from {self.path} within the time limit") from None
        except OSError as error:
            raise VaedUnavailable(f"the connection to {self.path} failed: {error}") from None
        if not line:
            raise VaedUnavailable(f"the daemon at {self.path} closed the connection without answering {method}")
        response = json.loads(line)
        if "error" in response:
            error = response["error"]
            data = error.get("data") or {}
            message = error.get("message", "")
            if data.get("type") == "model_required":
                # The daemon speaks protocol ("name one in params.model"); a Python caller passes model=.
                message = model_required_message(data.get("models") or [])
            raise VaedError(error.get("code", 0), data.get("type", ""), message, data)
        return response["result"]

    def hello(self) -> dict:
        return self.call("hello")

    def models(self) -> list[dict]:
        """The loaded models: name, kind, z_dim, image size, hidden sizes, file."""
        return self.call("models")["models"]

    def health(self) -> str:
        """"ok", or "draining" while the daemon shuts down."""
        return self.call("health")["status"]

    def stats(self, format: str = "json"):
        """Counters and latency percentiles (a dict), or Prometheus text with format="prometheus"."""
        result = self.call("stats", format=format)
        return result["text"] if format == "prometheus" else result

    def sample(self, count: int, seed: int | None = None, temperature: float | None = None, model: str | None = None,
               output: str | None = None) -> Samples:
        """`count` new images (rows, for a table model): Samples(images, z, seed). The same seed gives the same."""
        model = self._model(model)
        result = self.call("sample", model=model, count=count, seed=seed, temperature=temperature, output=output)
        return Samples(self._generated(result, output, model), self._rows(result["z"]), result["seed"])

    def encode(self, images=None, sample: bool = False, seed: int | None = None, model: str | None = None,
               rows=None) -> dict:
        """Latent codes: {"z", "mu", "logvar"} (an AE gives "z" only), one row per image (or per table row)."""
        model = self._model(model)
        items = self._inputs(images, rows, model)
        result = self.call("encode", model=model, sample=sample or None, seed=seed, **items)
        return {key: self._rows(value) for key, value in result.items()}

    def decode(self, z, model: str | None = None, output: str | None = None):
        """Images (rows, for a table model) from latent codes (a list of rows, or a numpy array (n, z_dim))."""
        model = self._model(model)
        rows = z.tolist() if np is not None and isinstance(z, np.ndarray) else [list(row) for row in z]
        return self._generated(self.call("decode", model=model, z=rows, output=output), output, model)

    def denoise(self, images=None, model: str | None = None, output: str | None = None, rows=None):
        """decode(mu(x)) for each image (or table row)."""
        model = self._model(model)
        result = self.call("denoise", model=model, output=output, **self._inputs(images, rows, model))
        return self._generated(result, output, model)

    # -- images ----------------------------------------------------------------------------------------------------

    def _inputs(self, images, rows, model: str | None) -> dict:
        """The params member for images or a table model's rows: exactly one of them."""
        if (images is None) == (rows is None):
            raise ValueError("give images or rows (a table model's), not both and not neither")
        if rows is not None:
            table = rows.tolist() if np is not None and isinstance(rows, np.ndarray) else [list(row) for row in rows]
            return {"rows": table}
        return {"images": self._items(images, model)}

    def _generated(self, result: dict, output: str | None, model: str | None):
        """A decode, sample or denoise result: rows for a table model, else images in `output`."""
        if "rows" in result:
            return self._rows(result["rows"])
        return self._images(result["images"], output or "array", model)

    def _model(self, model: str | None) -> str | None:
        return model if model is not None else self.model

    def _description(self, model: str | None) -> dict | None:
        """The models entry a request naming `model` runs on, asked once; None when the daemon would refuse it."""
        key = model or ""
        if key not in self._described:
            models = self.models()
            chosen = [m for m in models if m["name"] == model] if model else models
            if len(chosen) != 1:
                return None
            self._described[key] = chosen[0]
        return self._described[key]

    def _size(self, model: str | None) -> tuple[int, int, int]:
        """The model's image size (height, width, channels); called after a request on it succeeded."""
        described = self._description(model)
        if described is None:
            names = [m["name"] for m in self.models()]
            raise VaedError(-32602, "model_required", model_required_message(names), {"models": names})
        image = described["image"]
        return image["height"], image["width"], image.get("channels", 1)

    def _items(self, images, model: str | None) -> list:
        if np is not None and isinstance(images, np.ndarray):
            images = self._array_images(images, model)
        return [Client._item(image) for image in images]

    def _array_images(self, array, model: str | None):
        """A numpy array as a batch of images, by the model's shape: ndim alone cannot tell one RGB image (h, w, 3)
        from a batch of grey ones (n, h, w)."""
        described = self._description(model)
        if described is None or (described.get("data") or {}).get("kind") == "table":
            # The daemon names the model that is missing or ambiguous; a table model's rows go as rows=.
            return [array] if array.ndim == 2 else array
        image = described["image"]
        channels = image.get("channels", 1)
        one = (image["height"], image["width"]) + ((channels,) if channels != 1 else ())
        if array.shape == one:
            return [array]
        if array.ndim == len(one) + 1 and array.shape[1:] == one:
            return array
        shape = ", ".join(str(d) for d in one)
        raise ValueError(f"an array of shape {tuple(array.shape)} is not images of model '{described['name']}': it "
                         f"takes ({shape}) for one image or (n, {shape}) for a batch")

    @staticmethod
    def _item(image):
        if isinstance(image, dict):
            return image  # already a protocol item, such as png_image(path)
        if isinstance(image, (bytes, bytearray)):
            return {"u8": base64.b64encode(bytes(image)).decode("ascii")}
        if np is not None and isinstance(image, np.ndarray):
            if image.dtype == np.uint8:
                return {"u8": base64.b64encode(image.tobytes()).decode("ascii")}
            return np.asarray(image, dtype=np.float64).ravel().tolist()
        return list(image)

    def _images(self, items: list, output: str, model: str | None):
        if output == "png":
            return [base64.b64decode(item["png"]) for item in items]
        height, width, channels = self._size(model)
        shape = (height, width) if channels == 1 else (height, width, channels)
        if output == "u8":
            raw = [base64.b64decode(item["u8"]) for item in items]
            if np is None:
                return raw
            return np.frombuffer(b"".join(raw), dtype=np.uint8).reshape(len(raw), *shape)
        if np is None:
            row = width * channels
            return [[image[y * row:(y + 1) * row] for y in range(height)] for image in items]
        return np.asarray(items, dtype=np.float32).reshape(len(items), *shape)

    @staticmethod
    def _rows(rows):
        return np.asarray(rows, dtype=np.float32) if np is not None and isinstance(rows, list) else rows
