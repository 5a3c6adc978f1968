import CJPEGTestEncoder
import Foundation
import VAEData
import VAEDataImport
import VAEFiles
import VAEImage

/// Writes test inputs for the readers of the user's own data.
enum DataFiles {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// A `width`×`height` image whose pixels are `value` plus their index (mod 256).
    static func image(width: Int, height: Int, channels: Int = 1, value: Int) -> PixelImage {
        PixelImage(
            width: width, height: height, channels: channels,
            pixels: (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: value + $0) })
    }

    static func png(_ image: PixelImage, to path: String) throws { try write(try PNG.encode(image), to: path) }

    /// A JPEG made by libjpeg itself.
    static func jpeg(_ image: PixelImage, quality: Int32 = 95) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let ok = image.pixels.withUnsafeBufferPointer {
            jpeg_test_encode(
                $0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), quality,
                &output, &size)
        }
        precondition(ok == 1 && output != nil)
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// The bytes of an .npy file (header padded to 64 bytes as numpy does).
    static func npy(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        bytes +=
            version == 1
            ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return bytes + Array(header.utf8) + data
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static func littleEndian(_ values: [Int64]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }
}

/// The error `body` throws, or nil.
func dataError(_ body: () throws(DataError) -> Void) -> DataError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The error loading `path` throws, or nil.
func loadError(_ path: String, _ options: DataImportOptions = .init()) -> DataError? {
    dataError { () throws(DataError) in _ = try DataImport.load(path, options: options) }
}
