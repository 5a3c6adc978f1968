import VAECore
import VAEData
import VAEFiles

/// How to read the user's own data (`vae train --data` and its options).
package struct DataImportOptions: Sendable, Equatable {
    /// The test fraction when the data has no test split and none is given.
    package static let defaultTestFraction = 0.1

    /// 1 or 3: convert every image (RGB to grey by BT.601 luma, grey to RGB by repetition); nil: 1 when every
    /// image is grey, else 3. Image folders only.
    package var channels: Int?
    /// Resample every image to this size. Image folders only.
    package var resize: DataSource.Size?
    /// The fraction held out for testing when the data has no test split (default 0.1); refused when it has one.
    package var testFraction: Double?
    /// The CSV column holding the class labels (CSV only).
    package var labelColumn: String?
    /// Seeds the fraction split (the training seed).
    package var seed: UInt64

    package init(
        channels: Int? = nil, resize: DataSource.Size? = nil, testFraction: Double? = nil, labelColumn: String? = nil,
        seed: UInt64 = 0
    ) {
        self.channels = channels
        self.resize = resize
        self.testFraction = testFraction
        self.labelColumn = labelColumn
        self.seed = seed
    }
}

/// Reads the user's own data: a folder of images, an .npy or .npz file, or a .csv table.
package enum DataImport {
    /// What `path` holds, by its kind: a folder, or the file's extension (any case).
    /// - Parameter argument: how the user gave the path (`--data`, `DATA`), for the error message.
    /// - Throws: `DataError` when the path does not exist or is another kind of file.
    package static func format(of path: String, argument: String = "--data") throws(DataError) -> DataSource.Format {
        guard Files.exists(path) else { throw DataError(.fileNotFound, "\(path): no such file or folder") }
        if Files.isDirectory(path) { return .imageFolder }
        switch path.split(separator: "/").last?.split(separator: ".").dropFirst().last?.lowercased() ?? "" {
        case "npy": return .npy
        case "npz": return .npz
        case "csv": return .csv
        default:
            throw DataError(.unsupported, "\(path): \(argument) takes a folder of images, an .npy, .npz or .csv file")
        }
    }

    /// Reads `path` as `format(of:)` says, splitting and standardising as the options and the data say.
    ///
    /// - Throws: `DataError` naming the file (and row and column, or array entry) and the problem; options that do
    ///   not apply to the format are refused.
    package static func load(_ path: String, options: DataImportOptions) throws(DataError) -> DatasetSplit {
        let format = try format(of: path)
        try check(options, for: format, path: path)
        switch format {
        case .imageFolder: return try ImageFolderReader.load(path, options: options)
        case .npy, .npz: return try ArrayFileReader.load(path, format: format, options: options)
        case .csv: return try CSVReader.load(path, options: options)
        }
    }

    static func check(_ options: DataImportOptions, for format: DataSource.Format, path: String) throws(DataError) {
        if let channels = options.channels, channels != 1 && channels != 3 {
            throw DataError(.invalidValue, "--channels must be 1 or 3 (got \(channels))")
        }
        if let fraction = options.testFraction, !(fraction > 0 && fraction < 1) {
            throw DataError(.invalidValue, "--test-fraction must be between 0 and 1, both excluded (got \(fraction))")
        }
        if let size = options.resize,
            size.height < 1 || size.width < 1 || size.height > ImportLimits.maximumImageSide
                || size.width > ImportLimits.maximumImageSide
        {
            throw DataError(
                .invalidValue,
                "--resize must be from 1x1 to \(ImportLimits.maximumImageSide)x\(ImportLimits.maximumImageSide) (got \(size))"
            )
        }
        if format != .imageFolder && options.resize != nil {
            throw DataError(
                .unsupported, "\(path): --resize is for folders of images; arrays and tables are used at their size")
        }
        if format != .imageFolder && options.channels != nil {
            let why = format == .csv ? "a table has none" : "an array's channels are its last dimension"
            throw DataError(.unsupported, "\(path): --channels is for folders of images; \(why)")
        }
        if format != .csv && options.labelColumn != nil {
            throw DataError(.unsupported, "\(path): --label-column is for .csv tables only")
        }
    }

    /// Holds out `fraction` of `data` for testing. The rule: n·fraction rounded (half away from zero) items are
    /// held out, the first ones of a permutation of 0..<n drawn from `RandomSource(seed: seed, stream: 0xDA7A)`;
    /// both parts keep the items' order in the data. The same data, fraction and seed give the same split.
    ///
    /// - Throws: `DataError.emptySelection` when either part would be empty.
    package static func fractionSplit(_ data: Dataset, fraction: Double, seed: UInt64, source: String) throws(DataError)
        -> (train: Dataset, test: Dataset)
    {
        let n = data.count
        let testCount = Int((Double(n) * fraction).rounded(.toNearestOrAwayFromZero))
        guard testCount >= 1, testCount < n else {
            throw DataError(
                .emptySelection,
                "\(source): \(n) item\(n == 1 ? "" : "s") with test fraction \(fraction) leave\(n == 1 ? "s" : "") \(testCount) for testing and \(n - testCount) for training; both need at least one"
            )
        }
        var random = RandomSource(seed: seed, stream: 0xDA7A)
        let order = random.permutation(n)
        let test = order[0..<testCount].sorted()
        let train = order[testCount...].sorted()
        return (data.subset(train), data.subset(test))
    }

    /// Standardises a table's features with the training split's mean and population standard deviation (1 for a
    /// constant feature), applied to both splits.
    ///
    /// - Returns: the standardised splits, the statistics, and a note naming the constant features, if any.
    package static func standardised(train: Dataset, test: Dataset, featureNames: [String]?)
        -> (train: Dataset, test: Dataset, normalisation: FeatureNormalisation, note: String?)
    {
        let d = train.shape.pixelCount
        let values = train.floatValues
        var mean = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        for row in 0..<train.count {
            for j in 0..<d { mean[j] += Double(values[row * d + j]) }
        }
        for j in 0..<d { mean[j] /= Double(max(train.count, 1)) }
        for row in 0..<train.count {
            for j in 0..<d {
                let x = Double(values[row * d + j]) - mean[j]
                squares[j] += x * x
            }
        }
        var constant: [String] = []
        let std = (0..<d).map { j -> Float in
            let s = (squares[j] / Double(max(train.count, 1))).squareRoot()
            if !(Float(s) > 0) {
                constant.append(featureNames?[j] ?? "feature \(j)")
                return 1
            }
            return Float(s)
        }
        let normalisation = FeatureNormalisation(
            mean: mean.map { Float($0) }, standardDeviation: std, featureNames: featureNames)
        let note =
            constant.isEmpty
            ? nil
            : "\(constant.count) constant feature\(constant.count == 1 ? "" : "s") in the training split (\(constant.prefix(5).joined(separator: ", "))\(constant.count > 5 ? ", …" : "")): centred, not scaled"
        return (normalisation.standardised(train), normalisation.standardised(test), normalisation, note)
    }

    /// The last component of a path, without a trailing slash.
    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }
}
