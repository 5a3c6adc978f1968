import CZip
import VAEFiles

/// The arrays of a NumPy `.npz` file (a zip of .npy files, stored or deflated as `numpy.savez` and
/// `numpy.savez_compressed` write them), read with libzip.
enum NPZ {
    /// Every entry, by its name without `.npy`, in the archive's order.
    ///
    /// - Throws: `DataError` naming the file (and entry) when the zip is unreadable, truncated or corrupt (a CRC
    ///   mismatch), an entry is not an .npy file or is larger than `ImportLimits.maximumFileBytes`.
    static func arrays(_ path: String) throws(DataError) -> [(name: String, array: NPYArray)] {
        var code: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, code)
            defer { zip_error_fini(&error) }
            let reason = String(cString: zip_error_strerror(&error))
            throw DataError(
                code == ZIP_ER_NOENT ? .fileNotFound : .badMagic, "\(path): not a readable .npz (zip) file: \(reason)")
        }
        defer { zip_discard(archive) }
        var result: [(name: String, array: NPYArray)] = []
        for index in 0..<UInt64(max(0, zip_get_num_entries(archive, 0))) {
            var info = zip_stat_t()
            zip_stat_init(&info)
            guard zip_stat_index(archive, index, 0, &info) == 0, let cName = info.name else {
                throw DataError(.unreadable, "\(path): entry \(index): \(String(cString: zip_strerror(archive)))")
            }
            let name = String(cString: cName)
            guard name.hasSuffix(".npy") else {
                throw DataError(
                    .unsupported, "\(path): entry '\(name)' is not an .npy array (an .npz holds only .npy files)")
            }
            let source = "\(path): entry '\(name)'"
            guard info.size <= UInt64(ImportLimits.maximumFileBytes) else {
                throw DataError(
                    .tooLarge,
                    "\(source): \(info.size) bytes is more than the \(ImportLimits.maximumFileBytes) read whole")
            }
            let bytes = try read(archive, index: index, size: Int(info.size), source: source)
            result.append((String(name.dropLast(4)), try NPYArray(parsing: bytes[...], source: source)))
        }
        return result
    }

    private static func read(_ archive: OpaquePointer, index: UInt64, size: Int, source: String) throws(DataError)
        -> [UInt8]
    {
        guard let file = zip_fopen_index(archive, index, 0) else {
            throw DataError(.badCompression, "\(source): \(String(cString: zip_strerror(archive)))")
        }
        defer { zip_fclose(file) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress! + done, UInt64(size - done)) }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: zip_file_strerror(file)) : "ends after \(done) of \(size) bytes"
                throw DataError(n < 0 ? .badCompression : .truncated, "\(source): \(reason)")
            }
            done += Int(n)
        }
        // The CRC is checked when the end of the data is read.
        var extra: UInt8 = 0
        let n = zip_fread(file, &extra, 1)
        guard n == 0 else {
            let reason =
                n < 0 ? String(cString: zip_file_strerror(file)) : "holds more than the \(size) bytes it declares"
            throw DataError(.badCompression, "\(source): \(reason)")
        }
        return bytes
    }
}
