import VAECore
import VAEData
import VAEFiles
import VAEImage

/// Reads a folder of PNG and JPEG files as images.
///
/// Layout: image files directly in the folder are unlabelled; subfolders instead name the classes (their names,
/// sorted, are labels 0, 1, …; at most 256). A subfolder `test` (with the same layout, and only classes the
/// training part has) is the held-out split. Hidden files and folders (a leading `.`) are skipped; `.png`, `.jpg`
/// and `.jpeg` files (any case) are read; files of other image formats (GIF, BMP, WebP, TIFF, …) are refused, so
/// no image is silently left out; any other file (a README, a labels list) is skipped and reported in a note.
enum ImageFolderReader {
    struct Item {
        var path: String
        /// The path inside the data folder, as the item's name.
        var name: String
        var label: UInt8?
        var isJPEG: Bool
    }

    struct Listing {
        var items: [Item] = []
        /// The class folders' names, sorted; nil when the images lie directly in the folder.
        var classNames: [String]?
        var testFolder: String?
        var skipped: [String] = []
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Image formats this reader does not decode: refused by name rather than skipped.
    static let otherImageExtensions: Set<String> = [
        "gif", "bmp", "webp", "tif", "tiff", "heic", "heif", "avif", "jxl", "jp2", "ppm", "pgm", "pbm", "ico", "svg",
    ]

    static func load(_ folder: String, options: DataImportOptions) throws(DataError) -> DatasetSplit {
        let train = try list(folder, prefix: "", classes: nil)
        var test: Listing?
        if let testFolder = train.testFolder {
            if options.testFraction != nil {
                throw DataError(
                    .invalidValue,
                    "\(folder) has its own test split (\(testFolder)); --test-fraction is only for data without one")
            }
            test = try list(testFolder, prefix: "test/", classes: train.classNames)
            if test!.items.isEmpty {
                throw DataError(.emptySelection, "\(testFolder): the test folder holds no PNG or JPEG images")
            }
        }
        guard !train.items.isEmpty else {
            throw DataError(
                .emptySelection,
                "\(folder): no PNG or JPEG images (put them in the folder, or in one subfolder per class)")
        }
        let all = train.items + (test?.items ?? [])
        let (size, channels) = try inspect(all, folder: folder, options: options)
        try checkValueCount(all.count * size.height * size.width * channels, source: folder)
        let trainSet = try decode(train.items, size: size, channels: channels)
        let fraction = test == nil ? options.testFraction ?? DataImportOptions.defaultTestFraction : nil
        let split: (train: Dataset, test: Dataset)
        if let test {
            split = (trainSet, try decode(test.items, size: size, channels: channels))
        } else {
            split = try DataImport.fractionSplit(trainSet, fraction: fraction!, seed: options.seed, source: folder)
        }
        let notes = skippedNote(train.skipped + (test?.skipped ?? [])).map { [$0] } ?? []
        let source = DataSource(
            format: .imageFolder, path: folder, testPath: train.testFolder, testFraction: fraction, seed: options.seed,
            resize: options.resize, channels: channels)
        return DatasetSplit(
            name: DataImport.baseName(folder), train: split.train, test: split.test, files: all.map(\.path),
            classNames: train.classNames, source: source, notes: notes)
    }

    /// A note naming the files skipped because they are not images; nil when there are none.
    static func skippedNote(_ skipped: [String]) -> String? {
        guard !skipped.isEmpty else { return nil }
        return
            "skipped \(skipped.count) \(skipped.count == 1 ? "file that is not a PNG or JPEG image" : "files that are not PNG or JPEG images") (\(skipped.prefix(3).joined(separator: ", "))\(skipped.count > 3 ? ", …" : ""))"
    }

    /// The images of one folder (the training folder, or its `test` folder with the training part's `classes`).
    static func list(_ folder: String, prefix: String, classes: [String]?) throws(DataError) -> Listing {
        var listing = Listing()
        var loose: [Item] = []
        var classFolders: [String] = []
        for name in try folderEntries(folder) where !name.hasPrefix(".") {
            let path = "\(folder)/\(name)"
            if Files.isDirectory(path) {
                if prefix.isEmpty && name == "test" { listing.testFolder = path } else { classFolders.append(name) }
            } else if let item = try imageItem(path, name: prefix + name, label: nil, skipped: &listing.skipped) {
                loose.append(item)
            }
        }
        if !loose.isEmpty && !classFolders.isEmpty {
            throw DataError(
                .unsupported,
                "\(folder) holds both images (\(loose[0].name)) and subfolders (\(classFolders[0])): put every image in its class folder, or none in subfolders"
            )
        }
        if classFolders.isEmpty {
            if classes != nil && !loose.isEmpty {
                throw DataError(
                    .unsupported,
                    "\(folder) holds images directly but the training images are in class folders: put the test images in the same class folders"
                )
            }
            listing.items = loose
            listing.classNames = classes
            return listing
        }
        guard classFolders.count <= ImportLimits.maximumClasses else {
            throw DataError(
                .tooLarge,
                "\(folder) has \(classFolders.count) class folders; at most \(ImportLimits.maximumClasses) classes are supported"
            )
        }
        let names = classes ?? classFolders
        if classes == nil && !prefix.isEmpty {
            throw DataError(
                .unsupported,
                "\(folder) has class folders but the training images lie directly in the data folder: the test images must too"
            )
        }
        for className in classFolders {
            guard let label = names.firstIndex(of: className) else {
                throw DataError(
                    .unsupported,
                    "\(folder)/\(className): class '\(className)' is not among the training classes (\(names.joined(separator: ", ")))"
                )
            }
            let classFolder = "\(folder)/\(className)"
            for name in try folderEntries(classFolder) where !name.hasPrefix(".") {
                let path = "\(classFolder)/\(name)"
                if Files.isDirectory(path) {
                    throw DataError(.unsupported, "\(path): a class folder holds image files only, not folders")
                }
                if let item = try imageItem(
                    path, name: "\(prefix)\(className)/\(name)", label: UInt8(label), skipped: &listing.skipped)
                {
                    listing.items.append(item)
                }
            }
        }
        listing.classNames = names
        return listing
    }

    /// The item for an image file; nil (and the name added to `skipped`) for a file that is not an image.
    static func imageItem(_ path: String, name: String, label: UInt8?, skipped: inout [String]) throws(DataError)
        -> Item?
    {
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { String(name[name.index(after: $0)...]).lowercased() } ?? ""
        if imageExtensions.contains(ext) { return Item(path: path, name: name, label: label, isJPEG: ext != "png") }
        if otherImageExtensions.contains(ext) {
            throw DataError(
                .unsupported,
                "\(path): .\(ext) images are not supported (only PNG and JPEG); convert it, or move it out of the folder"
            )
        }
        skipped.append(name)
        return nil
    }

    /// Reads every header: checks the sizes (all the first image's, or `modelSize` when given, unless resizing)
    /// and picks the channels (1 when every image is grey, else 3, unless given).
    static func inspect(
        _ items: [Item], folder: String, options: DataImportOptions, modelSize: DataSource.Size? = nil
    ) throws(DataError) -> (DataSource.Size, Int) {
        var first: (size: DataSource.Size, name: String)?
        var anyColour = false
        for item in items {
            let (size, colour) = try header(item)
            anyColour = anyColour || colour
            if let modelSize, options.resize == nil, size != modelSize {
                throw DataError(
                    .sizeMismatch,
                    "\(item.path) is \(size.height)×\(size.width) but the model takes \(modelSize.height)×\(modelSize.width) images (it was trained on images of that size without --resize): resample the images to \(modelSize.height)×\(modelSize.width) first"
                )
            }
            if let first, options.resize == nil, first.size != size {
                throw DataError(
                    .sizeMismatch,
                    "\(item.path) is \(size.height)×\(size.width) but the first image, \(first.name), is \(first.size.height)×\(first.size.width); pass --resize HxW to resample every image to one size"
                )
            }
            if first == nil { first = (size, item.name) }
        }
        return (options.resize ?? first!.size, options.channels ?? (anyColour ? 3 : 1))
    }

    static func header(_ item: Item) throws(DataError) -> (DataSource.Size, isColour: Bool) {
        let bytes = try readFile(item.path)
        let height: Int
        let width: Int
        let colour: Bool
        if item.isJPEG {
            let header = try JPEG.header(of: bytes, source: item.path)
            height = header.height
            width = header.width
            colour = header.components != 1
        } else {
            let header = try PNGHeader.read(bytes, source: item.path)
            height = header.height
            width = header.width
            colour = header.isColour
        }
        let limit = ImportLimits.maximumImageSide
        guard (1...limit).contains(height), (1...limit).contains(width) else {
            throw DataError(
                .tooLarge, "\(item.path): image size \(height)×\(width) is outside 1 to \(limit) pixels a side")
        }
        return (DataSource.Size(height: height, width: width), colour)
    }

    /// Decodes `items` into one dataset of `size` and `channels`, as bytes.
    static func decode(_ items: [Item], size: DataSource.Size, channels: Int) throws(DataError) -> Dataset {
        let shape = ImageShape(height: size.height, width: size.width, channels: channels)
        var values: [UInt8] = []
        values.reserveCapacity(items.count * shape.pixelCount)
        for item in items {
            let bytes = try readFile(item.path)
            var image: PixelImage
            if item.isJPEG {
                let components = try JPEG.header(of: bytes, source: item.path).components
                image = try JPEG.decode(bytes, channels: components == 1 ? 1 : 3, source: item.path)
            } else {
                image = try PNG.decode(
                    bytes, channels: try PNGHeader.read(bytes, source: item.path).isColour ? 3 : 1, source: item.path)
            }
            image = PixelConversion.converted(image, channels: channels).resized(width: size.width, height: size.height)
            values += image.pixels
        }
        let labels = items.first?.label == nil ? nil : items.map { $0.label! }
        return Dataset(
            shape: shape, values: .unitBytes(values), count: items.count, labels: labels,
            itemNames: items.map(\.name))
    }
}

/// Grey and RGB conversions of 8-bit images.
package enum PixelConversion {
    /// `image` with `channels` 1 or 3: RGB to grey by the ITU-R BT.601 luma weights (0.299 R + 0.587 G + 0.114 B,
    /// rounded), grey to RGB by repeating the value.
    package static func converted(_ image: PixelImage, channels: Int) -> PixelImage {
        precondition((image.channels == 1 || image.channels == 3) && (channels == 1 || channels == 3))
        if image.channels == channels { return image }
        let count = image.width * image.height
        var out = [UInt8](repeating: 0, count: count * channels)
        if channels == 1 {
            for i in 0..<count {
                let r = Double(image.pixels[3 * i])
                let g = Double(image.pixels[3 * i + 1])
                let b = Double(image.pixels[3 * i + 2])
                out[i] = UInt8(min(255, (0.299 * r + 0.587 * g + 0.114 * b).rounded()))
            }
        } else {
            for i in 0..<count {
                let v = image.pixels[i]
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
        }
        return PixelImage(width: image.width, height: image.height, channels: channels, pixels: out)
    }
}
