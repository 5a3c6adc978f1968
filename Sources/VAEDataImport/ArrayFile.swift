import VAECore
import VAEData
import VAEFiles

/// Reads .npy and .npz files as datasets.
///
/// An .npz's entries are taken keras style (`x_train`, optional `y_train`, optional `x_test` and `y_test`), or as
/// `x` with an optional `y`, or as its single array; other combinations are refused with the names found. An array
/// [N, H, W] or [N, H, W, C] (C 1 or 3) is images (|u1 bytes, or <f4/<f8 floats in [0, 1]); [N, D] is a table
/// (standardised). Labels are integers 0…255, shape [N] or [N, 1].
enum ArrayFileReader {
    static func load(_ path: String, format: DataSource.Format, options: DataImportOptions) throws(DataError)
        -> DatasetSplit
    {
        let (train, test, roles) = try parts(path, format: format)
        if test != nil && options.testFraction != nil {
            throw DataError(
                .invalidValue,
                "\(path) has its own test split (\(roles.xTest!)); --test-fraction is only for data without one")
        }
        let fraction = test == nil ? options.testFraction ?? DataImportOptions.defaultTestFraction : nil
        var split: (train: Dataset, test: Dataset)
        if let test {
            split = (train, test)
        } else {
            split = try DataImport.fractionSplit(train, fraction: fraction!, seed: options.seed, source: path)
        }
        var normalisation: FeatureNormalisation?
        var notes: [String] = []
        if train.layout == .table {
            let standard = DataImport.standardised(train: split.train, test: split.test, featureNames: nil)
            split = (standard.train, standard.test)
            normalisation = standard.normalisation
            notes += standard.note.map { [$0] } ?? []
        }
        let channels = train.layout == .images ? train.shape.channels : nil
        let source = DataSource(
            format: format, path: path, testPath: roles.xTest.map { "\(path): \($0)" }, testFraction: fraction,
            seed: options.seed, channels: channels)
        var name = DataImport.baseName(path)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return DatasetSplit(
            name: name, train: split.train, test: split.test, files: [path], normalisation: normalisation,
            source: source, notes: notes)
    }

    /// The file's data and, when it has one, its own test split, as stored (neither split nor standardised).
    static func parts(_ path: String, format: DataSource.Format) throws(DataError)
        -> (train: Dataset, test: Dataset?, roles: (x: String, y: String?, xTest: String?, yTest: String?))
    {
        let named: [(name: String, array: NPYArray)]
        if format == .npy {
            named = [("", try NPYArray(parsing: try readFile(path)[...], source: path))]
        } else {
            named = try NPZ.arrays(path)
        }
        let roles = try assignRoles(named.map(\.name), path: path)
        func array(_ name: String?) -> (NPYArray, String)? {
            guard let name, let found = named.first(where: { $0.name == name }) else { return nil }
            return (found.array, format == .npy ? path : "\(path): entry '\(name).npy'")
        }
        let train = try dataset(array(roles.x)!, labels: array(roles.y))
        var test: Dataset?
        if let x = array(roles.xTest) {
            test = try dataset(x, labels: array(roles.yTest))
            guard test!.shape == train.shape, test!.layout == train.layout else {
                throw DataError(
                    .sizeMismatch,
                    "\(path): \(roles.xTest!) items are \(describe(test!)) but \(roles.x) items are \(describe(train))")
            }
        }
        try checkValueCount(train.values.count + (test?.values.count ?? 0), source: path)
        return (train, test, roles)
    }

    /// Which entries are the data, labels and test split.
    static func assignRoles(_ names: [String], path: String) throws(DataError)
        -> (x: String, y: String?, xTest: String?, yTest: String?)
    {
        let keys = Set(names)
        func only(_ allowed: Set<String>) throws(DataError) {
            let extra = keys.subtracting(allowed).sorted()
            guard extra.isEmpty else {
                throw DataError(
                    .unsupported,
                    "\(path): unexpected entr\(extra.count == 1 ? "y" : "ies") \(extra.joined(separator: ", ")) beside \(allowed.intersection(keys).sorted().joined(separator: ", ")); an .npz holds x_train, y_train, x_test, y_test (keras style), or x and y, or one array"
                )
            }
        }
        if keys.contains("x_train") {
            try only(["x_train", "y_train", "x_test", "y_test"])
            let hasTest = keys.contains("x_test")
            if keys.contains("y_test") && !hasTest {
                throw DataError(.unsupported, "\(path): y_test without x_test")
            }
            if hasTest && keys.contains("y_train") != keys.contains("y_test") {
                throw DataError(
                    .unsupported,
                    "\(path): labels for only one split (\(keys.contains("y_train") ? "y_train" : "y_test") without \(keys.contains("y_train") ? "y_test" : "y_train")); give both or neither"
                )
            }
            return (
                "x_train", keys.contains("y_train") ? "y_train" : nil, hasTest ? "x_test" : nil,
                keys.contains("y_test") ? "y_test" : nil
            )
        }
        if keys.contains("x") {
            try only(["x", "y"])
            return ("x", keys.contains("y") ? "y" : nil, nil, nil)
        }
        guard names.count == 1 else {
            let found = names.isEmpty ? "no arrays" : "entries \(names.joined(separator: ", "))"
            throw DataError(
                .unsupported,
                "\(path) holds \(found); an .npz holds x_train, y_train, x_test, y_test (keras style), or x and y, or one array"
            )
        }
        return (names[0], nil, nil, nil)
    }

    static func describe(_ data: Dataset) -> String {
        data.layout == .table
            ? "table rows of \(data.shape.width) features"
            : "\(data.shape.height)×\(data.shape.width)×\(data.shape.channels) images"
    }

    /// One dataset from a data array and an optional labels array.
    static func dataset(_ x: (NPYArray, String), labels y: (NPYArray, String)?) throws(DataError) -> Dataset {
        let (array, source) = x
        let s = array.shape
        let layout: DatasetLayout
        let shape: ImageShape
        switch s.count {
        case 2:
            (layout, shape) = (.table, ImageShape(height: 1, width: s[1], channels: 1))
        case 3:
            (layout, shape) = (.images, ImageShape(height: s[1], width: s[2], channels: 1))
        case 4 where s[3] == 1 || s[3] == 3:
            (layout, shape) = (.images, ImageShape(height: s[1], width: s[2], channels: s[3]))
        case 4:
            throw DataError(
                .unsupported, "\(source): shape \(s): images [N, H, W, C] need 1 or 3 channels (got \(s[3]))")
        default:
            throw DataError(
                .unsupported, "\(source): shape \(s) is neither images ([N, H, W] or [N, H, W, C]) nor a table ([N, D])"
            )
        }
        let n = s[0]
        guard n >= 1, shape.pixelCount >= 1 else {
            throw DataError(.emptySelection, "\(source): shape \(s) holds no items")
        }
        try checkValueCount(array.count, source: source)
        let values: DatasetValues
        if layout == .images {
            switch array.dtype {
            case .u1: values = .unitBytes(Array(array.data))
            case .f4, .f8:
                var floats = [Float](repeating: 0, count: array.count)
                for i in 0..<array.count {
                    let v = array.value(i)
                    guard v >= 0 && v <= 1 else {
                        throw DataError(
                            .invalidValue,
                            "\(source): image \(i / shape.pixelCount), value \(i % shape.pixelCount): \(v) is outside [0, 1]; float images must lie in [0, 1] (divide bytes by 255)"
                        )
                    }
                    floats[i] = Float(v)
                }
                values = .floats(floats)
            default:
                throw DataError(
                    .unsupported,
                    "\(source): images of dtype \(array.dtype.rawValue) are not read: use |u1 (0 to 255) or <f4/<f8 in [0, 1]"
                )
            }
        } else {
            var floats = [Float](repeating: 0, count: array.count)
            for i in 0..<array.count {
                let v = array.value(i)
                guard v.isFinite, Float(v).isFinite else {
                    throw DataError(
                        .invalidValue,
                        "\(source): row \(i / shape.width), column \(i % shape.width): \(v) is not a finite number")
                }
                floats[i] = Float(v)
            }
            values = .floats(floats)
        }
        var labels: [UInt8]?
        if let y { labels = try Self.labels(y.0, source: y.1, count: n) }
        return Dataset(shape: shape, layout: layout, values: values, count: n, labels: labels)
    }

    static func labels(_ array: NPYArray, source: String, count: Int) throws(DataError) -> [UInt8] {
        guard array.dtype.isInteger else {
            throw DataError(
                .unsupported, "\(source): labels of dtype \(array.dtype.rawValue) are not read: labels are integers")
        }
        guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw DataError(.unsupported, "\(source): labels of shape \(array.shape): expected [N] or [N, 1]")
        }
        guard array.shape[0] == count else {
            throw DataError(.sizeMismatch, "\(source): \(array.shape[0]) labels for \(count) items")
        }
        return try (0..<count).map { i throws(DataError) in
            let v = array.value(i)
            guard v >= 0 && v <= 255 else {
                throw DataError(.invalidValue, "\(source): label \(i) is \(Int64(v)); class labels must be 0 to 255")
            }
            return UInt8(v)
        }
    }
}
