/// One request to the engine, already decoded from its wire format and validated against its model.
///
/// Model requests carry the `ServedModel` they resolved (``ServingEngine/model(named:)``), so a request finishes on
/// the model it started with whatever a reload swaps in meanwhile.
package enum ServingRequest: Sendable {
    case hello
    case models
    case health
    case stats
    case reload
    case encode(EncodeRequest)
    case decode(DecodeRequest)
    case sample(SampleRequest)
    case denoise(DenoiseRequest)

    /// The method's name, as every transport reports it in statistics.
    package var method: String {
        switch self {
        case .hello: "hello"
        case .models: "models"
        case .health: "health"
        case .stats: "stats"
        case .reload: "reload"
        case .encode: "encode"
        case .decode: "decode"
        case .sample: "sample"
        case .denoise: "denoise"
        }
    }

    /// The model a model request runs on (nil for the others).
    package var model: ServedModel? {
        switch self {
        case .encode(let r): r.model
        case .decode(let r): r.model
        case .sample(let r): r.model
        case .denoise(let r): r.model
        case .hello, .models, .health, .stats, .reload: nil
        }
    }

    /// Images or codes the request carries: its share of compute.
    package var rows: Int {
        switch self {
        case .encode(let r): r.count
        case .decode(let r): r.count
        case .sample(let r): r.count
        case .denoise(let r): r.count
        case .hello, .models, .health, .stats, .reload: 0
        }
    }
}

/// How generated images are kept until the transport writes them: bytes (0...255, a quarter of the memory, what
/// u8 and PNG answers need) or the decoder's probabilities as floats.
package enum PixelStorage: Sendable {
    case bytes
    case floats
}

/// Images → latent codes: mu (and logvar for a VAE); z is mu, or a draw around it when `sample` is set.
package struct EncodeRequest: Sendable {
    package var model: ServedModel
    /// `count` images of `model.pixelCount` values in [0, 1], row after row.
    package var images: [Float]
    package var count: Int
    package var sample: Bool
    /// Draw i of a sampled z depends only on (seed, i).
    package var seed: UInt64

    package init(model: ServedModel, images: [Float], count: Int, sample: Bool = false, seed: UInt64 = 0) {
        precondition(images.count == count * model.pixelCount, "images must hold count × pixels values")
        self.model = model
        self.images = images
        self.count = count
        self.sample = sample
        self.seed = seed
    }
}

/// Latent codes → images.
package struct DecodeRequest: Sendable {
    package var model: ServedModel
    /// `count` codes of `model.zDim` values, row after row.
    package var codes: [Float]
    package var count: Int
    package var pixels: PixelStorage

    package init(model: ServedModel, codes: [Float], count: Int, pixels: PixelStorage) {
        precondition(codes.count == count * model.zDim, "codes must hold count × z_dim values")
        self.model = model
        self.codes = codes
        self.count = count
        self.pixels = pixels
    }
}

/// New images from codes drawn around the model's sampling distribution: code i of a seed is the same whatever
/// `count`, `start` or batching, so a client may split a large sample into requests.
package struct SampleRequest: Sendable {
    package var model: ServedModel
    package var count: Int
    /// Scales the spread of the draws (1: the model's own).
    package var temperature: Float
    package var seed: UInt64
    /// The first code's index.
    package var start: Int
    package var pixels: PixelStorage

    package init(model: ServedModel, count: Int, temperature: Float = 1, seed: UInt64, start: Int = 0,
                pixels: PixelStorage) {
        precondition(count >= 1 && start >= 0 && temperature.isFinite && temperature > 0)
        self.model = model
        self.count = count
        self.temperature = temperature
        self.seed = seed
        self.start = start
        self.pixels = pixels
    }
}

/// Images → mu → decoded images: reconstruction that smooths over small defects.
package struct DenoiseRequest: Sendable {
    package var model: ServedModel
    package var images: [Float]
    package var count: Int
    package var pixels: PixelStorage

    package init(model: ServedModel, images: [Float], count: Int, pixels: PixelStorage) {
        precondition(images.count == count * model.pixelCount, "images must hold count × pixels values")
        self.model = model
        self.images = images
        self.count = count
        self.pixels = pixels
    }
}
