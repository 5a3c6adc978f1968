import Foundation
import VAETestSupport

/// Runs the Python reference implementation (Tools/vaez.py) for cross-language checks.
enum PythonReference {
    /// A helper that imports Tools/vaez.py and answers in JSON or one line per record.
    private static let helper = #"""
        import hashlib, json, struct, sys
        sys.path.insert(0, sys.argv[1])
        import vaez

        command, path = sys.argv[2], sys.argv[3]
        if command == "hashes":
            model = vaez.read(path)
            hashes = {name: hashlib.sha256(t.astype("<f4").tobytes()).hexdigest()
                      for name, t in model.tensors.items()}
            print(json.dumps(hashes))
        elif command == "sections":
            data = open(path, "rb").read()
            model = vaez.read(data)
            out = []
            for e in model.sections:
                raw = vaez.read_section(data, e, 1 << 62) if e.kind in vaez.KIND_NAMES else b""
                out.append({"id": e.id, "kind": e.kind, "flags": e.flags, "codec": e.codec, "filter": e.filter,
                            "element_size": e.element_size, "raw_length": e.raw_length,
                            "raw_sha256": hashlib.sha256(raw).hexdigest()})
            print(json.dumps(out))
        elif command == "json":
            # Lines of "x" + hex-encoded candidate metadata texts (the "x" keeps an empty text on its line); prints
            # "ok <canonical JSON as hex>" or "invalid" for each, using the reference reader's parse (UTF-8,
            # json.loads with its hooks, the whole-document rules).
            for line in open(path).read().split():
                raw = bytes.fromhex(line[1:])
                try:
                    text = raw.decode("utf-8")
                    value = json.loads(text, parse_constant=vaez._reject_constant, object_pairs_hook=vaez._unique_keys)
                    vaez._check_json_tree(value, "", 1)
                    print("ok " + vaez.canonical_json(value).encode("utf-8").hex())
                except (UnicodeDecodeError, ValueError, RecursionError, vaez.VaezError):
                    print("invalid")
        elif command == "repr":
            # Lines of hex binary64 bit patterns; prints Python's canonical JSON of each float.
            for line in open(path).read().split():
                (value,) = struct.unpack("<d", bytes.fromhex(line[1:])[::-1])
                print(vaez.canonical_json(value))
        elif command == "contract":
            print(json.dumps([[n, list(s)] for n, s in vaez.expected_tensor_names(json.load(open(path))).items()]))
        elif command == "rules":
            # Records: u32 little-endian length, then that many bytes; prints one rule (or "ok") per record.
            data = open(path, "rb").read()
            at = 0
            while at < len(data):
                (n,) = struct.unpack_from("<I", data, at)
                record = data[at + 4 : at + 4 + n]
                at += 4 + n
                try:
                    vaez.verify(record)
                    print("ok")
                except vaez.VaezError as exc:
                    print(exc.rule)
                except Exception as exc:
                    print("crash:" + type(exc).__name__)
        """#

    static var toolsDirectory: String { VectorManifest.repositoryRoot + "/Tools" }

    /// Runs `python3 Tools/vaez.py` with `arguments`.
    static func tool(_ arguments: [String]) throws -> CommandResult {
        try withTemporaryDirectory("vaez-py") { directory in
            try runCommand("/usr/bin/env", ["python3", toolsDirectory + "/vaez.py"] + arguments, directory: directory)
        }
    }

    /// Runs a helper command and returns its standard output; throws when it fails.
    static func helper(_ command: String, _ path: String) throws -> String {
        try withTemporaryDirectory("vaez-helper") { directory in
            let script = directory + "/helper.py"
            try helper.write(toFile: script, atomically: true, encoding: .utf8)
            let result = try runCommand(
                "/usr/bin/env", ["python3", script, toolsDirectory, command, path],
                directory: directory)
            guard result.status == 0 else {
                throw HelperFailure(description: "python helper \(command) failed: \(result.standardError)")
            }
            return result.standardOutput
        }
    }

    /// Runs a helper command on `lines` (each written with an "x" in front, so none is empty) and returns the output
    /// lines.
    static func lines(_ command: String, _ lines: [String]) throws -> [String] {
        try withTemporaryDirectory("vaez-lines") { directory in
            let path = directory + "/input.txt"
            try lines.map { "x" + $0 }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return try helper(command, path).split(separator: "\n").map(String.init)
        }
    }

    static func json(_ command: String, _ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try helper(command, path).utf8))
    }

    /// The rule the reference reader gives each file ("ok" for a valid one), in order, from one Python process.
    static func rules(_ files: [[UInt8]]) throws -> [String] {
        var records: [UInt8] = []
        for file in files {
            withUnsafeBytes(of: UInt32(file.count).littleEndian) { records.append(contentsOf: $0) }
            records.append(contentsOf: file)
        }
        return try withTemporaryDirectory("vaez-records") { directory in
            let path = directory + "/records.bin"
            try Data(records).write(to: URL(fileURLWithPath: path))
            return try helper("rules", path).split(separator: "\n").map(String.init)
        }
    }

    struct HelperFailure: Error, CustomStringConvertible {
        let description: String
    }
}
