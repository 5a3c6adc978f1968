import Foundation
import Testing
import VAETestSupport

@testable import VAEClient

@Suite("Client inputs: JSON Lines codes")
struct JSONLinesCodeTests {
    @Test func latentCodesReadJSONLines() throws {
        // jq -c '.z[]': one code per line; blank lines and CRLF endings are fine.
        #expect(
            try LatentCodeText.parse("[0.5,-1.25]\n[1,2]\r\n\n[3e-1, 4]\n", source: "s")
                == [[0.5, -1.25], [1, 2], [0.3, 4]])
        // One encode --json object per line: their codes, in order.
        #expect(
            try LatentCodeText.parse(#"{"z":[[1,2]]}"# + "\n" + #"{"z":[[3,4],[5,6]]}"# + "\n", source: "s")
                == [[1, 2], [3, 4], [5, 6]])
        // One JSON document over several lines is still one document.
        #expect(try LatentCodeText.parse("[\n  [1, 2],\n  [3, 4]\n]\n", source: "s") == [[1, 2], [3, 4]])
        #expect(
            thrownMessage { _ = try LatentCodeText.parse("[1,2]\n[1,oops]\n", source: "codes") }
                .hasPrefix("codes line 2 is not valid JSON"))
        #expect(thrownMessage { _ = try LatentCodeText.parse("[1,2]\n[1,2,3]\n", source: "s") }.contains("differ in length"))
    }
}
