import VAEFormat

/// Which graph of a model to export.
package enum ModelPart: String, Sendable, Hashable, CaseIterable {
    /// Images → `mu` and `logvar` (an AE: `z`).
    case encoder
    /// Codes → images, the sigmoid applied (values in [0, 1]).
    case decoder
    /// decoder(mu(images)).
    case denoise

    /// The method of vaed's Open Inference Protocol that runs this graph (`NAME.encode`, …).
    package var method: String {
        switch self {
        case .encoder: "encode"
        case .decoder: "decode"
        case .denoise: "denoise"
        }
    }
}

/// How a graph's tensors are named and shaped (Formats/onnx.md).
package enum GraphInterface: String, Sendable, Hashable, CaseIterable {
    /// `x: float32[N, H*W]` in; `mu`/`logvar` (AE: `z`), `x` or `reconstruction` out.
    case flat
    /// vaed's V2 tensors: `images: float32[N, H, W]` in (reshaped inside), `mu`, `logvar`, `z`, `images` (uint8) and
    /// `images_fp32` out, so a client of vaed's Open Inference Protocol works unchanged against Triton.
    case images
}

/// How the weights are stored in the graph.
package enum WeightStorage: String, Sendable, Hashable, CaseIterable {
    /// float32 initializers.
    case f32
    /// float16 initializers, each followed by a Cast to float32: half the size, computed in float32.
    case f16
}

/// One input or output of a graph: its name, element type and the dimensions after the batch dimension.
package struct TensorSignature: Sendable, Hashable, CustomStringConvertible {
    package enum Element: String, Sendable, Hashable {
        case float32
        case uint8
    }

    package var name: String
    package var element: Element
    /// The shape without the leading batch dimension `N`.
    package var dims: [Int]

    package init(_ name: String, _ element: Element, _ dims: [Int]) {
        self.name = name
        self.element = element
        self.dims = dims
    }

    package var description: String { "\(name): \(element)[N, \(dims.map(String.init).joined(separator: ", "))]" }
}

/// The inputs and outputs of one exported graph; the Triton configuration is written from the same value.
package struct GraphSignature: Sendable, Hashable {
    package var inputs: [TensorSignature]
    package var outputs: [TensorSignature]

    /// The signature of `part` of a model with `architecture` under `interface`.
    package init(_ architecture: ModelMetadata.ArchitectureInfo, part: ModelPart, interface: GraphInterface) {
        let input = architecture.input
        let pixels = input.height * input.width * input.channels
        let z = architecture.zDim
        let image = input.channels == 1 ? [input.height, input.width] : [input.height, input.width, input.channels]
        let isVAE = architecture.kind == .vae
        switch (interface, part) {
        case (.flat, .encoder):
            inputs = [TensorSignature("x", .float32, [pixels])]
            outputs = isVAE ? [TensorSignature("mu", .float32, [z]), TensorSignature("logvar", .float32, [z])]
                : [TensorSignature("z", .float32, [z])]
        case (.flat, .decoder):
            inputs = [TensorSignature("z", .float32, [z])]
            outputs = [TensorSignature("x", .float32, [pixels])]
        case (.flat, .denoise):
            inputs = [TensorSignature("x", .float32, [pixels])]
            outputs = [TensorSignature("reconstruction", .float32, [pixels])]
        case (.images, .encoder):
            inputs = [TensorSignature("images", .float32, image)]
            outputs = [TensorSignature("mu", .float32, [z])]
                + (isVAE ? [TensorSignature("logvar", .float32, [z])] : [])
                + [TensorSignature("z", .float32, [z])]
        case (.images, .decoder):
            inputs = [TensorSignature("z", .float32, [z])]
            outputs = [TensorSignature("images", .uint8, image), TensorSignature("images_fp32", .float32, image)]
        case (.images, .denoise):
            // vaed's denoise also answers `images` (uint8), but an ONNX graph cannot have an output named as its
            // input.
            inputs = [TensorSignature("images", .float32, image)]
            outputs = [TensorSignature("images_fp32", .float32, image)]
        }
    }
}
