"""An MLServer custom runtime that serves the encoder of a .vaez model the way vaed's Open Inference Protocol model
`NAME.encode` does: the comparison server of Tools/bench/open_inference.py.

Input `images`: UINT8 (each value divided by 255, as vaed does with u8 images) or FP32 (values in [0, 1]), shape
[n, height, width] (or [n, height*width]). Outputs, FP32 [n, z_dim]: `mu`, `logvar` (a VAE only) and `z` (= mu:
vaed's encode without sampling).

The forward pass mirrors vaed's (Sources/VAEModel: DenseLayer, Network.encode) in float32: each hidden layer is
relu(x · Wᵀ + b), then the identity head mu = h · W_muᵀ + b_mu (and logvar the same), with the weights as
Tools/vaez.py dequantises them. vaed runs only relu hidden layers (Sources/VAEModel/Architecture.swift), so another
`architecture.activation` is refused at load.

model-settings.json: `parameters.uri` is the .vaez file; `parameters.extra.tools_dir` the folder holding vaez.py
(default: the repository's Tools/, two folders above this file). settings.json: no debug (no access log), no metrics
server, parallel_workers 0 (inference in the server process: on 2 cores 2 to 3 times the answers/s of MLServer's
default, one worker process). Both are templates: open_inference.py fills in the ports, the name and the model path.
MLServer reads only JSON bodies sent with `Content-Type: application/json`, and has no binary tensor extension.
"""
import os
import sys

import numpy as np
from mlserver import MLModel
from mlserver.errors import InferenceError
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput

HIDDEN_ACTIVATIONS = {"relu": lambda x: np.maximum(x, np.float32(0))}


class VAEEncoder(MLModel):
    async def load(self) -> bool:
        params = self.settings.parameters
        extra = (params.extra if params is not None else None) or {}
        tools_dir = extra.get("tools_dir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        if tools_dir not in sys.path:
            sys.path.insert(0, tools_dir)
        import vaez  # Tools/vaez.py, the project's reference reader

        uri = params.uri if params is not None else None
        if not uri:
            raise ValueError("model-settings.json needs parameters.uri: the .vaez file")
        model = vaez.read(uri)
        arch = model.metadata["architecture"]
        if arch["activation"] not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"{uri}: hidden activation {arch['activation']!r} is not one vaed runs (relu)")
        self.activation = HIDDEN_ACTIVATIONS[arch["activation"]]
        self.kind = arch["kind"]
        self.height, self.width = arch["input"]["height"], arch["input"]["width"]
        self.pixels = self.height * self.width * arch["input"]["channels"]
        self.z_dim = arch["z_dim"]
        t = model.tensors
        # Weights are [out, in] (PyTorch's layout); keep them transposed once so a forward pass is x @ W.
        self.hidden = [(np.ascontiguousarray(t[f"encoder.{i}.weight"].T), t[f"encoder.{i}.bias"])
                       for i in range(len(arch["hidden"]))]
        self.mu = (np.ascontiguousarray(t["mu.weight"].T), t["mu.bias"])
        self.logvar = (np.ascontiguousarray(t["logvar.weight"].T), t["logvar.bias"]) if self.kind == "vae" else None
        return True

    def images(self, payload: InferenceRequest) -> np.ndarray:
        """The request's `images` as float32 [n, pixels] in [0, 1]."""
        inputs = [i for i in payload.inputs if i.name == "images"]
        if len(inputs) != 1:
            raise InferenceError("the request needs exactly one input named 'images'")
        tensor = inputs[0]
        shape = list(tensor.shape)
        if len(shape) not in (2, 3) or shape[1:] not in ([self.height, self.width], [self.pixels]) or shape[0] < 1:
            raise InferenceError(f"images has shape {shape}, expected [n, {self.height}, {self.width}]")
        data = getattr(tensor.data, "root", tensor.data)
        if tensor.datatype == "UINT8":
            raw = np.asarray(data, dtype=np.uint8) if not isinstance(data, (bytes, bytearray)) \
                else np.frombuffer(data, np.uint8)
            x = raw.astype(np.float32) / np.float32(255)
        elif tensor.datatype == "FP32":
            x = np.asarray(data, dtype=np.float32)
        else:
            raise InferenceError(f"images has datatype {tensor.datatype}, expected UINT8 or FP32")
        if x.size != shape[0] * self.pixels:
            raise InferenceError(f"images holds {x.size} values, its shape {shape} needs {shape[0] * self.pixels}")
        return x.reshape(shape[0], self.pixels)

    def encode(self, x: np.ndarray) -> dict:
        for weight, bias in self.hidden:
            x = self.activation(x @ weight + bias)
        mu = x @ self.mu[0] + self.mu[1]
        out = {"mu": mu}
        if self.logvar is not None:
            out["logvar"] = x @ self.logvar[0] + self.logvar[1]
        out["z"] = mu
        return out

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        result = self.encode(self.images(payload))
        return InferenceResponse(
            model_name=self.name,
            id=payload.id,
            outputs=[ResponseOutput(name=name, shape=list(v.shape), datatype="FP32",
                                    data=v.astype(np.float32, copy=False).ravel().tolist())
                     for name, v in result.items()],
        )
