import VAEJSON

/// One line of `metrics.jsonl`: what an epoch achieved. Losses are per sample.
package struct EpochMetrics: Sendable, Codable, Equatable {
    package var epoch: Int
    package var trainLoss: Double
    package var testLoss: Double
    package var testBCE: Double
    package var testKL: Double
    package var seconds: Double
    package var samplesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainLoss = "train_loss"
        case testLoss = "test_loss"
        case testBCE = "test_bce"
        case testKL = "test_kl"
        case seconds
        case samplesPerSecond = "samples_per_second"
    }

    /// The JSON line, keys in a fixed order, floats in their shortest exact form (`null` for a NaN or infinite
    /// loss, such as a diverged run's).
    package var jsonLine: String {
        JSONValue.object([
            "epoch": .int(epoch), "train_loss": .double(trainLoss), "test_loss": .double(testLoss),
            "test_bce": .double(testBCE), "test_kl": .double(testKL), "seconds": .double(seconds),
            "samples_per_second": .double(samplesPerSecond),
        ]).jsonText
    }
}
