import VAEData

/// One grey input image and where it came from.
public struct InputImage: Sendable, Equatable {
    /// For messages: the file, with `[index]` for an image of an IDX file.
    public let source: String
    /// For output files: the file's name without folder and extension, with `-index` for an IDX image.
    public let stem: String
    /// 8-bit grey pixels.
    public var image: PixelImage

    public init(source: String, stem: String, image: PixelImage) {
        self.source = source
        self.stem = stem
        self.image = image
    }
}

/// Reads the images users pass on the command line: PNG files (grey, grey+alpha, RGB or RGBA, 8 or 16 bits, folded
/// to 8-bit grey) and IDX files (the MNIST format, plain or gzip-compressed), recognised by their content.
public enum ImageFiles {
    /// Reads every file, in order; `indices` picks images of IDX files (all of them when nil).
    /// - Throws: `InputError` naming the file and what is wrong with it.
    public static func read(_ paths: [String], indices: IndexSelection? = nil) throws(InputError) -> [InputImage] {
        var images: [InputImage] = []
        var sawIDX = false
        for path in paths {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(path)
            } catch {
                throw InputError("cannot read \(path): \(reason(error, path: path))")
            }
            if bytes.starts(with: pngSignature) {
                do {
                    let image = try PNG.decode(bytes, channels: 1, source: path)
                    images.append(InputImage(source: path, stem: stem(of: path), image: image))
                } catch {
                    throw InputError(error.message)
                }
            } else {
                sawIDX = true
                images += try idxImages(bytes, path: path, indices: indices)
            }
        }
        if let indices, !sawIDX {
            throw InputError("--index \(indices) picks images of IDX files, and none was given")
        }
        return images
    }

    /// Scales each image to `height`×`width` when `resize` is set; otherwise refuses one of another size, naming
    /// both sizes.
    public static func conform(_ images: [InputImage], height: Int, width: Int, model: String, resize: Bool)
        throws(InputError) -> [InputImage]
    {
        var conformed: [InputImage] = []
        for var input in images {
            if input.image.height != height || input.image.width != width {
                guard resize else {
                    let size = "\(input.image.height)×\(input.image.width)"
                    throw InputError(
                        "\(input.source) is \(size) pixels (height×width), but model '\(model)' takes \(height)×\(width); "
                            + "pass --resize to scale it")
                }
                input.image = input.image.resized(width: width, height: height)
            }
            conformed.append(input)
        }
        return conformed
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func idxImages(_ bytes: [UInt8], path: String, indices: IndexSelection?) throws(InputError) -> [InputImage] {
        let array: IDXArray
        do throws(DataError) {
            let plain = Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, source: path) : bytes
            guard plain.count >= 2, plain[0] == 0, plain[1] == 0 else {
                throw DataError(.badMagic, "\(path) is neither a PNG nor an IDX file")
            }
            array = try IDXArray(parsing: plain, source: path)
        } catch {
            throw InputError(error.message)
        }
        let dimensions = array.dimensions
        let count: Int
        let height: Int
        let width: Int
        switch dimensions.count {
        case 2: (count, height, width) = (1, dimensions[0], dimensions[1])
        case 3: (count, height, width) = (dimensions[0], dimensions[1], dimensions[2])
        case 4 where dimensions[3] == 1: (count, height, width) = (dimensions[0], dimensions[1], dimensions[2])
        default:
            throw InputError(
                "\(path) is an IDX array of dimensions \(dimensions), not grey images (count × height × width)")
        }
        guard height >= 1, width >= 1 else { throw InputError("\(path) holds images of \(height)×\(width) pixels") }
        guard count >= 1 else { throw InputError("\(path) holds no images") }
        let chosen = try indices?.indices(count: count, source: path) ?? Array(0..<count)
        let pixelCount = height * width
        let base = stem(of: path)
        return chosen.map { index in
            let pixels = Array(array.values[(index * pixelCount)..<((index + 1) * pixelCount)])
            return InputImage(
                source: "\(path)[\(index)]", stem: "\(base)-\(index)",
                image: PixelImage(width: width, height: height, channels: 1, pixels: pixels))
        }
    }

    /// `dir/scan.png` → `scan`; `t10k-images-idx3-ubyte.gz` → `t10k-images-idx3-ubyte`.
    static func stem(of path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".gz", ".png", ".PNG", ".idx"] where name.hasSuffix(suffix) && name.count > suffix.count {
            name.removeLast(suffix.count)
        }
        return name
    }

    static func reason(_ error: DataError, path: String) -> String {
        // DataError messages from Files start with the path; keep only the reason.
        error.message.hasPrefix("\(path): ") ? String(error.message.dropFirst(path.count + 2)) : error.message
    }
}
