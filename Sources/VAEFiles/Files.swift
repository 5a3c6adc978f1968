#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe writes.
package enum Files {
    /// Reads a whole file.
    /// - Throws: `DataError.fileNotFound` or `.unreadable`, naming the path and the system's reason.
    package static func read(_ path: String) throws(DataError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = systemError()
            throw DataError(errno == ENOENT ? .fileNotFound : .unreadable, "\(path): \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataError(.unreadable, "\(path): \(systemError())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DataError(.unreadable, "\(path): not a regular file") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DataError(.unreadable, "\(path): \(n == 0 ? "file shrank while reading" : systemError())") }
            done += n
        }
        return bytes
    }

    /// True when `path` names a directory (following symbolic links).
    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` names an existing file or directory.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Writes `bytes` so that `path` holds either its old content or all of the new, never a mix:
    /// a temporary file in the same directory, fsync, rename over `path`, fsync of the directory.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws(DataError) {
        let temporary = try writeTemporary(bytes, beside: path)
        guard rename(temporary, path) == 0 else {
            let reason = systemError()
            unlink(temporary)
            throw DataError(.unwritable, "\(path): rename failed: \(reason)")
        }
        syncDirectory(parentDirectory(of: path))
    }

    /// Writes several files so that either all of them hold their new content or none changed: each is written
    /// to a temporary file beside it and synced, then all are renamed into place. If anything fails, the files
    /// this call wrote are removed and the ones that were there before are put back.
    /// - Throws: `DataError.unwritable` naming the target path (never a temporary name); a target that is a
    ///   folder is refused before anything is written.
    package static func writeAllOrNone(_ files: [(path: String, bytes: [UInt8])]) throws(DataError) {
        for file in files where exists(file.path) && !isRegularFile(file.path) {
            throw DataError(.unwritable, "\(file.path) is a folder or special file, not replaced")
        }
        var temporaries: [String] = []
        defer { for temporary in temporaries { unlink(temporary) } }
        for file in files {
            temporaries.append(try writeTemporary(file.bytes, beside: file.path))
        }
        // Hard links keep each old file (the path never goes missing) until every new one is in place.
        var backups: [String?] = []
        defer { for case let backup? in backups { unlink(backup) } }
        for file in files {
            if exists(file.path) { backups.append(try keepLink(file.path)) } else { backups.append(nil) }
        }
        for (index, file) in files.enumerated() {
            guard rename(temporaries[index], file.path) != 0 else { continue }
            let reason = systemError()
            for (done, previous) in files.prefix(index).enumerated() {
                if let backup = backups[done] { rename(backup, previous.path) } else { unlink(previous.path) }
            }
            throw DataError(.unwritable, "\(file.path): rename failed: \(reason)")
        }
        temporaries = []
        for directory in Set(files.map { parentDirectory(of: $0.path) }) { syncDirectory(directory) }
    }

    /// True when `path` names a regular file (following symbolic links).
    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Writes `bytes` to a new hidden file beside `path` (mode 0644, synced).
    /// - Returns: the temporary file's path.
    private static func writeTemporary(_ bytes: [UInt8], beside path: String) throws(DataError) -> String {
        let directory = parentDirectory(of: path)
        var template = Array("\(directory)/.\(baseName(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw DataError(.unwritable, "cannot write in \(directory): \(systemError())") }
        defer { close(fd) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = systemError()
                unlink(temporary)
                throw DataError(.unwritable, "\(path): write failed: \(reason)")
            }
            done += n
        }
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else {
            let reason = systemError()
            unlink(temporary)
            throw DataError(.unwritable, "\(path): fsync failed: \(reason)")
        }
        return temporary
    }

    /// Makes a hard link to `path` under a new hidden name beside it.
    private static func keepLink(_ path: String) throws(DataError) -> String {
        var template = Array("\(parentDirectory(of: path))/.\(baseName(of: path)).old-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw DataError(.unwritable, "cannot write beside \(path): \(systemError())") }
        close(fd)
        let name = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(name)
        guard Glibc.link(path, name) == 0 else {
            throw DataError(.unwritable, "\(path): cannot keep the old file: \(systemError())")
        }
        return name
    }

    /// Appends one line to a file, creating it if needed, and syncs it.
    package static func appendLine(_ line: String, to path: String) throws(DataError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(.unwritable, "\(path): \(systemError())") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard n == bytes.count else { throw DataError(.unwritable, "\(path): append failed: \(systemError())") }
        fsync(fd)
    }

    /// Creates `path` and its parents (mode 0755) if missing, and checks that files can be created in it.
    package static func makeDirectory(_ path: String) throws(DataError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DataError(.unwritable, "cannot create directory \(prefix): \(systemError())")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw DataError(.unwritable, "\(path) is not a directory")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw DataError(.unwritable, "output directory \(path) is not writable: \(systemError())")
        }
    }

    package static func remove(_ path: String) { unlink(path) }

    /// Creates an empty folder beside `path` (same parent, hidden name `.BASENAME.tmp-XXXXXX`), for a folder to be
    /// built there and swapped in with `replaceDirectory(_:with:)`.
    /// - Returns: the new folder's path.
    package static func makeTemporaryDirectory(beside path: String) throws(DataError) -> String {
        let directory = parentDirectory(of: path)
        var template = Array("\(directory)/.\(baseName(of: path)).tmp-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw DataError(.unwritable, "cannot create a folder in \(directory): \(systemError())") }
        chmod(template.withUnsafeBufferPointer { $0.baseAddress! }, 0o755)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Puts the folder `replacement` (beside `path`) at `path`, so that `path` is always either the old folder
    /// whole or the new one whole: the old folder is renamed away, the new one renamed in, then the old one removed.
    /// If the second rename fails the old folder is renamed back.
    package static func replaceDirectory(_ path: String, with replacement: String) throws(DataError) {
        if let old = try swapDirectory(path, with: replacement) { removeTree(old) }
    }

    /// Puts the folder `replacement` (beside `path`) at `path` and keeps the old folder, if there was one, under a
    /// hidden name beside it, so that a caller replacing several folders can put them all back
    /// (`restoreDirectory(_:from:)`) or remove the old ones once all are in place.
    /// - Returns: where the old folder now is, or nil if `path` did not exist.
    package static func swapDirectory(_ path: String, with replacement: String) throws(DataError) -> String? {
        guard exists(path) else {
            guard rename(replacement, path) == 0 else {
                throw DataError(.unwritable, "\(path): rename failed: \(systemError())")
            }
            syncDirectory(parentDirectory(of: path))
            return nil
        }
        var template = Array("\(parentDirectory(of: path))/.\(baseName(of: path)).old-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw DataError(.unwritable, "cannot create a folder beside \(path): \(systemError())")
        }
        let old = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // rename(2) replaces an empty folder: the old folder takes the reserved name.
        guard rename(path, old) == 0 else {
            let reason = systemError()
            rmdir(old)
            throw DataError(.unwritable, "\(path): cannot move the old folder away: \(reason)")
        }
        guard rename(replacement, path) == 0 else {
            let reason = systemError()
            rename(old, path)
            throw DataError(.unwritable, "\(path): rename failed: \(reason)")
        }
        syncDirectory(parentDirectory(of: path))
        return old
    }

    /// Undoes `swapDirectory`: removes the folder at `path` and puts `old` (if any) back in its place.
    package static func restoreDirectory(_ path: String, from old: String?) {
        removeTree(path)
        if let old { rename(old, path) }
    }

    /// Removes `path` and everything under it (symbolic links are removed, not followed).
    package static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    private static func syncDirectory(_ directory: String) {
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}
