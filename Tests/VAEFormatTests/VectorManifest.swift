import Foundation
import Testing

/// Formats/vectors/manifest.json, read in place (the vectors are not copied into the test bundle).
struct VectorManifest {
    struct Tensor {
        let shape: [Int]
        let dtype: String
        let sha256: String
    }

    struct Golden {
        let file: String
        let kind: String
        let dtype: String
        let version: String
        /// In the file's tensor order.
        let tensors: [(name: String, tensor: Tensor)]
        let codecs: [String: String]
    }

    struct Malformed {
        let file: String
        let rule: String
        let what: String
        /// For metadata_invalid files: the key the failing check is about (the readers' messages start with it).
        let key: String?
    }

    let rules: [String]
    let golden: [Golden]
    let malformed: [Malformed]
    let limits: [String: Int]

    /// The vectors folder, found from this source file's path so it works from any working directory.
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Formats/vectors").path
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static func path(_ file: String) -> String { "\(directory)/\(file)" }

    static func load() throws -> VectorManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("manifest.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rules = try #require(root["rules"] as? [String])
        let limits = try #require(root["limits"] as? [String: Int])
        let golden = try #require(root["golden"] as? [[String: Any]]).map { entry in
            // Tensor order matters (the reader returns index order); JSONSerialization loses object order, so the
            // order is taken from the raw text.
            let file = try #require(entry["file"] as? String)
            let tensors = try #require(entry["tensors"] as? [String: [String: Any]])
            let ordered = try orderedKeys(of: tensors.keys, in: data, after: file).map { name in
                let t = try #require(tensors[name])
                return (
                    name: name,
                    tensor: Tensor(
                        shape: try #require(t["shape"] as? [Int]), dtype: try #require(t["dtype"] as? String),
                        sha256: try #require(t["sha256"] as? String))
                )
            }
            return Golden(
                file: file, kind: try #require(entry["kind"] as? String),
                dtype: try #require(entry["dtype"] as? String),
                version: try #require(entry["version"] as? String), tensors: ordered,
                codecs: try #require(entry["codecs"] as? [String: String]))
        }
        let malformed = try #require(root["malformed"] as? [[String: Any]]).map { entry in
            Malformed(
                file: try #require(entry["file"] as? String), rule: try #require(entry["rule"] as? String),
                what: try #require(entry["what"] as? String), key: entry["key"] as? String)
        }
        return VectorManifest(rules: rules, golden: golden, malformed: malformed, limits: limits)
    }

    /// Orders `keys` by where `"key":` first appears after the golden entry for `file` in the manifest text.
    private static func orderedKeys(
        of keys: Dictionary<String, [String: Any]>.Keys, in data: Data, after file: String
    ) throws -> [String] {
        let text = try #require(String(data: data, encoding: .utf8))
        let start = try #require(text.range(of: "\"file\": \"\(file)\"")?.upperBound)
        let tail = text[start...]
        return try keys.map { key -> (String, String.Index) in
            (key, try #require(tail.range(of: "\"\(key)\": {")?.lowerBound))
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }
}
