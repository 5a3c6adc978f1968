import VAEServing

/// What each served VAE offers as a V2 model: `NAME.encode`, `NAME.decode`, `NAME.denoise`, `NAME.sample`.
package enum InferenceMethod: String, Sendable, CaseIterable {
    case encode, decode, denoise, sample
}

/// One input or output of a V2 model as its metadata states it. `shape` counts -1 for a dimension of any size
/// (the batch).
package struct TensorSpec: Sendable, Equatable {
    package var name: String
    package var datatype: TensorDatatype
    package var shape: [Int]
    /// Datatypes taken besides `datatype` (images: FP32 in [0, 1] besides UINT8).
    package var alsoAccepted: [TensorDatatype] = []
    /// An input the request may leave out.
    package var optional = false

    package init(name: String, datatype: TensorDatatype, shape: [Int], alsoAccepted: [TensorDatatype] = [],
                optional: Bool = false) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.alsoAccepted = alsoAccepted
        self.optional = optional
    }

    package func accepts(_ datatype: TensorDatatype) -> Bool {
        datatype == self.datatype || alsoAccepted.contains(datatype)
    }
}

/// A served model seen as one V2 model: which method, its tensors and its version (Formats/open-inference.md).
package struct InferenceModel: Sendable {
    package let served: ServedModel
    package let method: InferenceMethod
    /// Most rows in one request (`max_batch_size`); the first dimension of batched tensors.
    package let maxBatchSize: Int

    package init(served: ServedModel, method: InferenceMethod, maxBatchSize: Int) {
        self.served = served
        self.method = method
        self.maxBatchSize = maxBatchSize
    }

    /// `NAME.method`.
    package var name: String { "\(served.name).\(method.rawValue)" }

    /// The model file's SHA-256, first 12 hex digits: a new file is a new version.
    package var version: String { String(served.fileSHA256.prefix(12)) }

    /// True when the network has a logvar head (a VAE; an AE has none).
    package var isVAE: Bool { served.architecture.headWidth == 2 * served.zDim }

    /// One image's dimensions: [height, width] for grey, [height, width, channels] for colour (interleaved).
    package var imageShape: [Int] {
        let input = served.architecture.input
        return input.channels == 1 ? [input.height, input.width] : [input.height, input.width, input.channels]
    }

    /// A table model: rows of D real numbers in and out, instead of images.
    package var isTable: Bool { served.data.kind == .table }

    /// Whether tensors carry a leading batch dimension. `sample` takes its count instead.
    package var isBatched: Bool { method != .sample }

    package var inputs: [TensorSpec] {
        let image = [-1] + imageShape
        switch method {
        case .encode, .denoise:
            if isTable { return [TensorSpec(name: "rows", datatype: .fp32, shape: [-1, served.pixelCount])] }
            return [TensorSpec(name: "images", datatype: .uint8, shape: image, alsoAccepted: [.fp32])]
        case .decode:
            return [TensorSpec(name: "z", datatype: .fp32, shape: [-1, served.zDim])]
        case .sample:
            return SampleInputs.names.map { name in
                let datatype: TensorDatatype = switch name {
                case "seed": .uint64
                case "temperature": .fp32
                default: .int64
                }
                let others: [TensorDatatype] = datatype == .fp32 ? [.fp64] : [.int32, .int64, .uint32, .uint64]
                return TensorSpec(name: name, datatype: datatype, shape: [1], alsoAccepted: others, optional: true)
            }
        }
    }

    package var outputs: [TensorSpec] {
        let image = [-1] + imageShape
        let code = [-1, served.zDim]
        let images = isTable ? [TensorSpec(name: "rows", datatype: .fp32, shape: [-1, served.pixelCount])]
            : [TensorSpec(name: "images", datatype: .uint8, shape: image),
               TensorSpec(name: "images_fp32", datatype: .fp32, shape: image)]
        switch method {
        case .encode:
            return [TensorSpec(name: "mu", datatype: .fp32, shape: code)]
                + (isVAE ? [TensorSpec(name: "logvar", datatype: .fp32, shape: code)] : [])
                + [TensorSpec(name: "z", datatype: .fp32, shape: code)]
        case .decode, .denoise:
            return images
        case .sample:
            return images + [TensorSpec(name: "z", datatype: .fp32, shape: code)]
        }
    }

    /// Splits `NAME.method`; nil when the name has no known method suffix.
    package static func split(_ name: String) -> (model: String, method: InferenceMethod)? {
        guard let dot = name.lastIndex(of: "."), let method = InferenceMethod(rawValue: String(name[name.index(after: dot)...]))
        else { return nil }
        let model = String(name[..<dot])
        return model.isEmpty ? nil : (model, method)
    }
}

/// The V2 models an engine serves now, resolved by name and version.
package struct InferenceModels: Sendable {
    package let engine: ServingEngine

    package init(engine: ServingEngine) { self.engine = engine }

    /// Every V2 model, sorted by name.
    package var all: [InferenceModel] {
        engine.servedModels.flatMap { served in
            InferenceMethod.allCases.map { InferenceModel(served: served, method: $0, maxBatchSize: engine.limits.maxBatch) }
        }
    }

    /// The V2 model `name` (at `version`, when given).
    package func model(named name: String, version: String? = nil) throws(InferenceError) -> InferenceModel {
        guard let (base, method) = InferenceModel.split(name) else {
            throw InferenceError(.modelNotFound, "No model named '\(name)': V2 models are named MODEL.encode, "
                                 + "MODEL.decode, MODEL.denoise or MODEL.sample (loaded: \(loadedNames)).")
        }
        let served: ServedModel
        do {
            served = try engine.model(named: base)
        } catch {
            throw InferenceError(.modelNotFound, "No model named '\(name)' is loaded (loaded: \(loadedNames)).")
        }
        let model = InferenceModel(served: served, method: method, maxBatchSize: engine.limits.maxBatch)
        if let version, !version.isEmpty, version != model.version {
            throw InferenceError(.modelNotFound,
                                 "Model '\(name)' has no version '\(version)'; it serves version \(model.version).")
        }
        return model
    }

    private var loadedNames: String {
        let names = engine.servedModels.map(\.name)
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}
