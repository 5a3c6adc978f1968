import Foundation
import Testing
import VAETestSupport

/// CSV cells vaectl cannot use are named as vae names them: the same row number, the same words for a missing one.
extension TableTests {
    @Test("a missing cell is refused in vae's words, with the row as vae counts it")
    func missingCellsAreNamedAsVaeNamesThem() throws {
        let (daemon, directory) = try daemon()
        func refusal(_ csv: String) throws -> String {
            try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(directory)/t.csv"))
            let result = try vaectl(["encode", "\(directory)/t.csv", "--socket", daemon.socket, "--model", "weather"])
            #expect(result.status == 64, "\(result.error)")
            return result.error
        }
        // Line 4 of the file, as vae counts rows: an empty line comes first.
        #expect(
            try refusal("temperature,pressure,humidity\n\n1,2,3\n4,,6\n").contains(
                "t.csv, row 4, column 'pressure': missing value (''); fill or drop it"))
        #expect(
            try refusal("temperature,pressure,humidity\n1,NA,3\n").contains(
                "row 2, column 'pressure': missing value ('NA')"))
        #expect(
            try refusal("temperature,pressure,humidity\n1,2,nan\n").contains("missing value ('nan'); fill or drop it"))
        #expect(daemon.stop() == 0)
    }
}
