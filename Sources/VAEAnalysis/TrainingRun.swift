import VAEFiles
import VAEJSON

/// One training run's per-epoch losses, read from its `metrics.jsonl`.
package struct TrainingRun: Sendable {
    package var name: String
    package var epochs: [Int]
    package var trainLoss: [Double]
    package var testLoss: [Double]
    package var testKL: [Double]

    /// Reads `metrics.jsonl` (one JSON object per line with `epoch`, `train_loss`, `test_loss`, `test_kl`).
    ///
    /// - Throws: `AnalysisError` naming the file and line that is not such an object.
    package init(path: String, name: String) throws(AnalysisError) {
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch { throw AnalysisError(error.description) }
        self.name = name
        epochs = []
        trainLoss = []
        testLoss = []
        testKL = []
        for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            let value: JSONValue
            do { value = try JSONParser().parse(String(line)) } catch {
                throw AnalysisError("\(path), line \(number + 1): not JSON (\(error))")
            }
            guard let epoch = value["epoch"]?.integerValue, let train = value["train_loss"]?.doubleValue,
                  let test = value["test_loss"]?.doubleValue
            else {
                throw AnalysisError("\(path), line \(number + 1): expected epoch, train_loss and test_loss (a vae train metrics.jsonl)")
            }
            epochs.append(epoch)
            trainLoss.append(train)
            testLoss.append(test)
            testKL.append(value["test_kl"]?.doubleValue ?? 0)
        }
        guard !epochs.isEmpty else { throw AnalysisError("\(path) has no epochs") }
    }
}
