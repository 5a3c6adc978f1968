import Foundation
import Testing
import VAEFiles
import VAETestSupport

@Suite("Whole-file reads and atomic writes")
struct FilesTests {
    @Test func atomicWriteReplacesAndLeavesNoTemporaries() throws {
        let directory = temporaryDirectory()
        let path = "\(directory)/file.bin"
        try Files.writeAtomically([1, 2, 3], to: path)
        try Files.writeAtomically([4, 5], to: path)
        #expect(try Files.read(path) == [4, 5])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file.bin"])
    }

    @Test func unwritableDirectoryIsAnError() {
        #expect(throws: DataError.self) { try Files.writeAtomically([1], to: "/proc/definitely/not/here") }
        #expect(throws: DataError.self) { try Files.makeDirectory("/proc/vae-cannot-create") }
    }
}
