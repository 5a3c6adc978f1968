import Foundation
import Testing
import VAEFiles
import VAEImage
import VAETestSupport

/// `vaectl encode … --json | jq -c '.z[]' | vaectl decode --out-dir out`: one code per line as JSON.
extension VaectlTests {
    @Test func decodeReadsOneJSONCodePerLine() throws {
        let daemon = try testDaemon()
        let directory = temporaryDirectory()
        let socket = ["--socket", daemon.socket]
        for shift in 0..<3 { try PNG.write(squareImage(shift: shift), to: "\(directory)/in\(shift).png") }
        let encoded = try vaectl(["encode", "--json"] + (0..<3).map { "\(directory)/in\($0).png" } + socket)
        #expect(encoded.status == 0, "\(encoded.error)")
        try Data(encoded.output).write(to: URL(fileURLWithPath: "\(directory)/codes.json"))
        // What jq -c '.z[]' prints: each code on a line of its own, as JSON (the daemon's number text, kept as is).
        let text = encoded.text
        let z = try #require(text.range(of: #""z":["#)).upperBound
        let end = try #require(text[z...].range(of: "]]")).lowerBound
        let lines = text[z...end].components(separatedBy: "],[").map {
            "[" + $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) + "]"
        }
        #expect(lines.count == 3, "\(lines)")

        let fromFile = try vaectl(["decode", "--z-file", "\(directory)/codes.json", "--out-dir", "\(directory)/f"] + socket)
        let fromLines = try vaectl(
            ["decode", "--out-dir", "\(directory)/l"] + socket, input: lines.joined(separator: "\n") + "\n")
        #expect(fromFile.status == 0 && fromLines.status == 0, "\(fromFile.error) \(fromLines.error)")
        for i in 0..<3 {
            #expect(try Files.read("\(directory)/f/decoded-\(i).png") == Files.read("\(directory)/l/decoded-\(i).png"))
        }
        // encode --json of each file on its own, one object per line, reads as their codes in order.
        let objects = try (0..<3).map { i in
            try vaectl(["encode", "--json", "\(directory)/in\(i).png"] + socket).text
        }
        let fromObjects = try vaectl(["decode", "--out-dir", "\(directory)/o", "--json"] + socket, input: objects.joined())
        #expect(try fromObjects.status == 0 && (fromObjects.json()["files"] as? [String])?.count == 3, "\(fromObjects.error)")
        let bad = try vaectl(["decode", "-o", "\(directory)/x.png"] + socket, input: "[0.5, 1]\n[0.5, oops]\n")
        #expect(bad.status == 64 && bad.error.contains("standard input line 2 is not valid JSON"), "\(bad.error)")
        #expect(daemon.stop() == 0)
    }
}
