import VAENumerics

/// What the engine answers a request with; each transport writes it in its own wire format.
package enum ServingResult: Sendable {
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
package struct ServingLimits: Sendable {
    /// Most images or codes in one request.
    package var maxBatch: Int

    package init(maxBatch: Int = 256) {
        precondition(maxBatch >= 1)
        self.maxBatch = maxBatch
    }
}

/// Who is serving: the `hello` facts.
package struct ServerDescription: Sendable {
    package var version: String
    package var limits: ServingLimits
    package var modelNames: [String]
    package var gemm: GEMMKernels
}

/// An encode's answer: row i of each array belongs to image i.
package struct Encoding: Sendable {
    package let zDim: Int
    package let count: Int
    /// mu, or a draw around it (sample).
    package let z: [Float]
    package let mu: [Float]
    /// nil for a plain autoencoder.
    package let logvar: [Float]?
}

/// The images of a decode, sample or denoise, and the codes a sample drew.
package struct GeneratedImages: Sendable {
    package let shape: ImageGeometry
    package let count: Int
    package let pixels: PixelRows
    /// sample: the codes drawn, `count × zDim` (empty for decode and denoise).
    package let codes: [Float]
    package let zDim: Int
}

/// The height, width and channels of a model's images.
package struct ImageGeometry: Sendable, Equatable {
    package let height: Int
    package let width: Int
    package let channels: Int
    /// Values per image: height × width × channels.
    package var pixelCount: Int { height * width * channels }
}

/// Generated pixels, written once by the compute threads and read-only once handed to a transport.
///
/// Kept as bytes or floats as the request asked (``PixelStorage``); the memory is owned here and freed with it.
package final class PixelRows: @unchecked Sendable {
    package let storage: PixelStorage
    /// Filled when `storage` is `.bytes`, else empty.
    package let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Filled when `storage` is `.floats`, else empty.
    package let floats: UnsafeMutableBufferPointer<Float>

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
