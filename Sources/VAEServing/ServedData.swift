import VAEFormat
import VAEModel

/// What the numbers a served model reads and writes are (the model file's `data`, Formats/vaez.md section 6.1.1),
/// in the terms serving needs: how requests are read and answers written, and the normalisation the engine applies.
package struct ServedData: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable {
        /// height × width × channels values in [0, 1], channels interleaved.
        case image
        /// One row of `width` real numbers (height and channels are 1).
        case table
    }

    /// The network's input is `(x − mean) / std`; a decoded value is `mean + std · output`.
    package struct Normalisation: Sendable, Equatable {
        package let mean: [Float]
        package let std: [Float]

        package init(mean: [Float], std: [Float]) {
            precondition(mean.count == std.count, "mean and std disagree in length")
            self.mean = mean
            self.std = std
        }

        /// `(x − mean) / std` in place, over `rows` rows of `mean.count` values: once per batch, before the encoder.
        func standardise(_ values: UnsafeMutablePointer<Float>, rows: Int) {
            let width = mean.count
            mean.withUnsafeBufferPointer { mean in
                std.withUnsafeBufferPointer { std in
                    for row in 0..<rows {
                        let x = values + row * width
                        for j in 0..<width { x[j] = (x[j] - mean[j]) / std[j] }
                    }
                }
            }
        }

        /// `mean + std · output` in place, over `rows` decoded rows: once per batch, after the decoder.
        func destandardise(_ values: UnsafeMutablePointer<Float>, rows: Int) {
            let width = mean.count
            mean.withUnsafeBufferPointer { mean in
                std.withUnsafeBufferPointer { std in
                    for row in 0..<rows {
                        let y = values + row * width
                        for j in 0..<width { y[j] = mean[j] + std[j] * y[j] }
                    }
                }
            }
        }
    }

    package var kind: Kind
    package var likelihood: Likelihood
    package var normalisation: Normalisation?
    /// A table's column names, one per value.
    package var features: [String]?

    package init(kind: Kind = .image, likelihood: Likelihood = .bernoulli, normalisation: Normalisation? = nil,
                features: [String]? = nil) {
        self.kind = kind
        self.likelihood = likelihood
        self.normalisation = normalisation
        self.features = features
    }
}

extension ServedData {
    /// The file's `data`; without it (a 1.0 file) an image model of the network's likelihood, not normalised.
    init(_ data: DataDescription?, likelihood: Likelihood) {
        guard let data else {
            self.init(kind: .image, likelihood: likelihood)
            return
        }
        // The reader has checked the rules (vaez.md 6.1): the likelihood agrees with the output activation, the
        // normalisation has D values of each, std > 0, a table is 1 × D × 1.
        self.init(
            kind: data.kind == .table ? .table : .image, likelihood: likelihood,
            normalisation: data.normalisation.map {
                Normalisation(mean: $0.mean.map { Float($0) }, std: $0.std.map { Float($0) })
            },
            features: data.features)
    }
}
