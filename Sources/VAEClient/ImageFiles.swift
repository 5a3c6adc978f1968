import Foundation
import VAEData
import VAEFiles
import VAEImage

/// One input image and where it came from.
public struct InputImage: Sendable, Equatable {
    /// For messages: the file, with `[index]` for an image of an IDX file.
    public let source: String
    /// For output files: the file's name without folder and extension, with `-index` for an IDX image.
    public let stem: String
    /// 8-bit pixels: grey as read, or in the model's channels once conformed.
    public var image: PixelImage
    /// The PNG file it was read from, so that it can be decoded again in the model's channels (nil for IDX).
    var png: [UInt8]?

    public init(source: String, stem: String, image: PixelImage) {
        self.source = source
        self.stem = stem
        self.image = image
    }

    /// Inputs are the same when their names and pixels are (not how they were stored).
    public static func == (a: InputImage, b: InputImage) -> Bool {
        a.source == b.source && a.stem == b.stem && a.image == b.image
    }

    /// The image in `channels` (1 or 3): a PNG decoded again (alpha dropped, grey replicated, colour folded to
    /// grey, as vaed reads PNGs), grey replicated into RGB otherwise.
    func converted(toChannels channels: Int) throws(InputError) -> PixelImage {
        guard image.channels != channels else { return image }
        if let png {
            do {
                return try PNG.decodeDroppingAlpha(png, channels: channels, source: source)
            } catch {
                throw InputError(error.message)
            }
        }
        precondition(image.channels == 1 && channels == 3, "IDX images are grey")
        return PixelImage(
            width: image.width, height: image.height, channels: 3, pixels: image.pixels.flatMap { [$0, $0, $0] })
    }
}

/// Reads the images users pass on the command line: PNG files (grey, grey+alpha, RGB or RGBA, 8 or 16 bits, read as
/// 8-bit grey, alpha dropped, until `conform` gives them the model's channels) and IDX files (the MNIST format, plain
/// or gzip-compressed), recognised by their content. A JPEG is refused saying how to convert it.
public enum ImageFiles {
    /// Reads every file, in order; `-` reads one file's bytes from standard input (`standardInput`, once).
    /// `indices` picks images of IDX files (all of them when nil).
    /// - Throws: `InputError` naming the file (or standard input) and what is wrong with it.
    public static func read(
        _ paths: [String], indices: IndexSelection? = nil,
        standardInput: () throws(InputError) -> [UInt8] = ImageFiles.readStandardInput
    ) throws(InputError) -> [InputImage] {
        var images: [InputImage] = []
        var sawIDX = false
        var readStandardInput = false
        for path in paths {
            let bytes: [UInt8]
            let source: String
            let name: String
            if path == "-" {
                guard !readStandardInput else { throw InputError("- (standard input) can be given only once") }
                readStandardInput = true
                (bytes, source, name) = (try standardInput(), "standard input", "stdin")
            } else {
                do {
                    bytes = try Files.read(path)
                } catch {
                    throw InputError("cannot read \(path): \(reason(error, path: path))")
                }
                (source, name) = (path, stem(of: path))
            }
            if bytes.starts(with: jpegSignature) {
                throw InputError(jpegRefusal(source))
            }
            if bytes.starts(with: pngSignature) {
                do {
                    let image = try PNG.decodeDroppingAlpha(bytes, channels: 1, source: source)
                    var input = InputImage(source: source, stem: name, image: image)
                    input.png = bytes
                    images.append(input)
                } catch {
                    throw InputError(error.message)
                }
            } else {
                sawIDX = true
                images += try idxImages(bytes, source: source, stem: name, indices: indices)
            }
        }
        if let indices, !sawIDX {
            throw InputError("--index \(indices) picks images of IDX files, and none was given")
        }
        return images
    }

    /// All of standard input, for `-`.
    /// - Throws: `InputError` when standard input is a terminal (an image is piped in, not typed) or cannot be read.
    public static func readStandardInput() throws(InputError) -> [UInt8] {
        guard isatty(STDIN_FILENO) == 0 else {
            throw InputError("- reads an image from standard input, which is a terminal; pipe one in (cat scan.png | vaectl …)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw InputError("cannot read standard input: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }

    /// Gives each image `channels` (1 or 3) and scales it to `height`×`width` when `resize` is set; otherwise
    /// refuses one of another size, naming both sizes.
    public static func conform(
        _ images: [InputImage], height: Int, width: Int, channels: Int = 1, model: String, resize: Bool
    ) throws(InputError) -> [InputImage] {
        var conformed: [InputImage] = []
        for var input in images {
            input.image = try input.converted(toChannels: channels)
            if input.image.height != height || input.image.width != width {
                guard resize else {
                    let size = "\(input.image.height)×\(input.image.width)"
                    throw InputError(
                        "\(input.source) is \(size) pixels (height×width), but model '\(model)' takes \(height)×\(width); "
                            + "add the flag --resize (no value) to scale it to the model's size")
                }
                input.image = input.image.resized(width: width, height: height)
            }
            conformed.append(input)
        }
        return conformed
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// A JPEG's start-of-image marker and the first byte of the next marker.
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Why a JPEG is refused and what to do: the client links no JPEG decoder (libjpeg is the trainer's, through
    /// VAEDataImport), so that vaectl stays small.
    static func jpegRefusal(_ source: String) -> String {
        "\(source) is a JPEG file; vaectl reads PNG and IDX files, not JPEG: convert it to PNG first with any image "
            + "tool (ImageMagick: convert photo.jpg photo.png), or encode JPEG folders without a daemon with "
            + "vae embed MODEL FOLDER"
    }

    /// The images of an IDX file: `source` names it in messages, `stem` starts its images' output names.
    static func idxImages(_ bytes: [UInt8], source path: String, stem base: String, indices: IndexSelection?)
        throws(InputError) -> [InputImage]
    {
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
