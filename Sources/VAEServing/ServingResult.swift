import VAENumerics

/// What the engine answers a request with; each transport writes it in its own wire format.
public enum ServingResult: Sendable {
    case hello(ServerDescription)
    /// The loaded models, by name.
    case models([ServedModel])
    case health(draining: Bool)
    case stats(ServingStatistics.Snapshot)
    case reload(ModelCatalog.Report)
    case encoding(Encoding)
    case images(GeneratedImages)
}

/// Limits every transport announces and enforces.
public struct ServingLimits: Sendable {
    /// Most images or codes in one request.
    public var maxBatch: Int

    public init(maxBatch: Int = 256) {
        precondition(maxBatch >= 1)
        self.maxBatch = maxBatch
    }
}

/// Who is serving: the `hello` facts.
public struct ServerDescription: Sendable {
    public var version: String
    public var limits: ServingLimits
    public var modelNames: [String]
    public var gemm: GEMMKernels
}

/// An encode's answer: row i of each array belongs to image i.
public struct Encoding: Sendable {
    public let zDim: Int
    public let count: Int
    /// mu, or a draw around it (sample).
    public let z: [Float]
    public let mu: [Float]
    /// nil for a plain autoencoder.
    public let logvar: [Float]?
}

/// The images of a decode, sample or denoise, and the codes a sample drew.
public struct GeneratedImages: Sendable {
    public let shape: ImageGeometry
    public let count: Int
    public let pixels: PixelRows
    /// sample: the codes drawn, `count × zDim` (empty for decode and denoise).
    public let codes: [Float]
    public let zDim: Int
}

/// The height and width of a model's images (one channel).
public struct ImageGeometry: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public var pixelCount: Int { height * width }
}

/// Generated pixels, written once by the compute threads and read-only once handed to a transport.
///
/// Kept as bytes or floats as the request asked (``PixelStorage``); the memory is owned here and freed with it.
public final class PixelRows: @unchecked Sendable {
    public let storage: PixelStorage
    /// Filled when `storage` is `.bytes`, else empty.
    public let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Filled when `storage` is `.floats`, else empty.
    public let floats: UnsafeMutableBufferPointer<Float>

    init(storage: PixelStorage, count: Int) {
        self.storage = storage
        bytes = .allocate(capacity: storage == .bytes ? count : 0)
        floats = .allocate(capacity: storage == .floats ? count : 0)
    }

    deinit {
        bytes.deallocate()
        floats.deallocate()
    }
}
