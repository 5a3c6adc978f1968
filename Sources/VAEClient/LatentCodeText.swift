import Foundation
import VAEJSON

/// Reads latent codes the ways `vaectl decode` takes them.
package enum LatentCodeText {
    /// Codes from a file or standard input: `encode --json` output (`{"z": [[…], …]}`), a JSON array of codes, one
    /// code as a flat JSON array, JSON Lines of any of these (one value per line, such as `jq -c '.z[]'` prints;
    /// their codes in order), or plain text with one code per line, numbers separated by commas or spaces.
    /// - Throws: `InputError` naming `source` (and the line, for JSON Lines) and what is wrong.
    package static func parse(_ text: String, source: String) throws(InputError) -> [[Double]] {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        var codes: [[Double]] = []
        if trimmed.first == "{" || trimmed.first == "[" {
            do {
                codes = try fromJSON(JSONParser().parse(String(trimmed)), source: source)
            } catch let error as JSONParseError where error.reason == .trailingCharacters {
                // A first value, then more: JSON Lines.
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
                    if line.isEmpty { continue }
                    let value: JSONValue
                    do {
                        value = try JSONParser().parse(line)
                    } catch {
                        throw InputError("\(source) line \(number + 1) is not valid JSON: \(error)")
                    }
                    codes += try fromJSON(value, source: "\(source) line \(number + 1)")
                }
            } catch let error as JSONParseError {
                throw InputError("\(source) is not valid JSON: \(error)")
            } catch let error as InputError {
                throw error
            } catch {
                throw InputError("\(source): \(error)")
            }
        } else {
            var rows: [[Double]] = []
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let fields = line.split { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" }
                if fields.isEmpty { continue }
                rows.append(
                    try fields.map { (field) throws(InputError) in
                        guard let value = Double(field), value.isFinite else {
                            throw InputError("\(source) line \(number + 1): '\(field)' is not a finite number")
                        }
                        return value
                    })
            }
            codes = rows
        }
        guard !codes.isEmpty else { throw InputError("\(source) holds no latent codes") }
        guard codes.allSatisfy({ $0.count == codes[0].count }) else {
            throw InputError("\(source): the latent codes differ in length (\(Set(codes.map(\.count)).sorted()))")
        }
        return codes
    }

    /// One code from `--z 0.5,-1.2`.
    package static func parseCode(_ text: String) throws(InputError) -> [Double] {
        let fields = text.split { $0 == "," || $0 == " " }
        guard !fields.isEmpty else {
            throw InputError("--z takes numbers separated by commas, such as 0.5,-1.2 (got '\(text)')")
        }
        return try fields.map { (field) throws(InputError) in
            guard let value = Double(field), value.isFinite else {
                throw InputError(
                    "--z takes numbers separated by commas, such as 0.5,-1.2; '\(field)' is not a finite number")
            }
            return value
        }
    }

    static func fromJSON(_ value: JSONValue, source: String) throws(InputError) -> [[Double]] {
        var rows: [JSONValue]
        if let z = value["z"] {
            guard let array = z.arrayValue else { throw InputError("\(source): z must be an array of latent codes") }
            rows = array
        } else if let array = value.arrayValue {
            rows = array
        } else {
            throw InputError("\(source) must hold {\"z\": [[…]]}, an array of latent codes or one code")
        }
        // A flat array of numbers is one code.
        if let first = rows.first, first.number != nil { rows = [.array(rows)] }
        return try rows.enumerated().map { (index, row) throws(InputError) in
            guard let numbers = row.arrayValue, !numbers.isEmpty else {
                throw InputError("\(source): latent code \(index) is not an array of numbers")
            }
            return try numbers.map { (number) throws(InputError) in
                guard let value = number.doubleValue else {
                    throw InputError("\(source): latent code \(index) holds something that is not a number")
                }
                return value
            }
        }
    }
}
