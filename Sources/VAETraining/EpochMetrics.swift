import VAEJSON

/// One line of `metrics.jsonl`: what an epoch achieved. Losses are per sample.
package struct EpochMetrics: Sendable, Codable, Equatable {
    package var epoch: Int
    package var trainLoss: Double
    package var testLoss: Double
    /// The reconstruction term of the test loss: BCE (`test_bce`) for a Bernoulli decoder, the Gaussian negative
    /// log-likelihood (`test_nll`) for a Gaussian one.
    package var testReconstruction: Double
    package var testKL: Double
    package var seconds: Double
    package var samplesPerSecond: Double
    /// A Gaussian decoder's σ² after the epoch; nil for Bernoulli.
    package var decoderVariance: Double?

    package init(
        epoch: Int, trainLoss: Double, testLoss: Double, testReconstruction: Double, testKL: Double, seconds: Double,
        samplesPerSecond: Double, decoderVariance: Double? = nil
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testReconstruction = testReconstruction
        self.testKL = testKL
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
        self.decoderVariance = decoderVariance
    }

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainLoss = "train_loss"
        case testLoss = "test_loss"
        case testBCE = "test_bce"
        case testNLL = "test_nll"
        case testKL = "test_kl"
        case seconds
        case samplesPerSecond = "samples_per_second"
        case decoderVariance = "variance"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let variance = try c.decodeIfPresent(Double.self, forKey: .decoderVariance)
        self.init(
            epoch: try c.decode(Int.self, forKey: .epoch), trainLoss: try c.decode(Double.self, forKey: .trainLoss),
            testLoss: try c.decode(Double.self, forKey: .testLoss),
            testReconstruction: try c.decode(Double.self, forKey: variance == nil ? .testBCE : .testNLL),
            testKL: try c.decode(Double.self, forKey: .testKL), seconds: try c.decode(Double.self, forKey: .seconds),
            samplesPerSecond: try c.decode(Double.self, forKey: .samplesPerSecond), decoderVariance: variance)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encode(testLoss, forKey: .testLoss)
        try c.encode(testReconstruction, forKey: decoderVariance == nil ? .testBCE : .testNLL)
        try c.encode(testKL, forKey: .testKL)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(samplesPerSecond, forKey: .samplesPerSecond)
        try c.encodeIfPresent(decoderVariance, forKey: .decoderVariance)
    }

    /// The JSON line, keys in a fixed order, floats in their shortest exact form (`null` for a NaN or infinite
    /// loss, such as a diverged run's). A Gaussian decoder's line says `test_nll` and its `variance`.
    package var jsonLine: String {
        var pairs: [(String, JSONValue)] = [
            ("epoch", .int(epoch)), ("train_loss", .double(trainLoss)), ("test_loss", .double(testLoss)),
            (decoderVariance == nil ? "test_bce" : "test_nll", .double(testReconstruction)),
            ("test_kl", .double(testKL)), ("seconds", .double(seconds)),
            ("samples_per_second", .double(samplesPerSecond)),
        ]
        if let decoderVariance { pairs.append(("variance", .double(decoderVariance))) }
        return JSONValue.object(pairs.map { JSONMember(key: $0.0, value: $0.1) }).jsonText
    }
}
