import VAEFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The sizes past which the readers refuse input before allocating for it, so a hostile or mistaken file cannot
/// exhaust memory.
package enum ImportLimits {
    /// The largest file read whole (an .npy, a .csv, one image): 4 GiB.
    package static let maximumFileBytes = 1 << 32
    /// The largest image side a header may declare: 16384 pixels.
    package static let maximumImageSide = 16384
    /// The most values a dataset may hold in memory (both splits): 2^30, 1 GiB as bytes, 4 GiB as floats.
    package static let maximumValues = 1 << 30
    /// The most classes: labels are bytes.
    package static let maximumClasses = 256
}

/// Reads a whole file after checking its size against `ImportLimits.maximumFileBytes`.
func readFile(_ path: String, limit: Int = ImportLimits.maximumFileBytes) throws(DataError) -> [UInt8] {
    var info = stat()
    if stat(path, &info) == 0, Int(info.st_size) > limit {
        throw DataError(.tooLarge, "\(path): \(info.st_size) bytes is more than the \(limit) bytes read whole")
    }
    return try Files.read(path)
}

/// The entries of a folder (not `.` and `..`), sorted by name.
func folderEntries(_ path: String) throws(DataError) -> [String] {
    guard let directory = opendir(path) else {
        throw DataError(errno == ENOENT ? .fileNotFound : .unreadable, "\(path): \(String(cString: strerror(errno)))")
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Throws `DataError.tooLarge` when a dataset of `values` values would pass `ImportLimits.maximumValues`.
func checkValueCount(_ values: Int, source: String) throws(DataError) {
    guard values <= ImportLimits.maximumValues else {
        throw DataError(
            .tooLarge,
            "\(source): \(values) values is more than the \(ImportLimits.maximumValues) a dataset may hold in memory")
    }
}
