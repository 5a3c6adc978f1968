/// One decoder of untrusted bytes under coverage-guided fuzzing (Tools/fuzz): `check` feeds it one input and
/// checks what must hold for every input, beyond not crashing: that a refusal is the decoder's typed error (typed
/// throws make that a compile-time fact for most), and round trips where the format has them.
///
/// The same functions run under libFuzzer (Tests/Fuzz/Entry, one executable per target) and in the normal test
/// suite over the seeds and every input a fuzzer ever crashed on (Tests/VAEFuzzTargetsTests).
package struct FuzzTarget: Sendable {
    /// The executable's and the corpus folder's name, e.g. `FuzzJSON`.
    package let name: String
    /// What it decodes, for `Tools/fuzz --list`.
    package let summary: String
    /// Decodes one input: whether the decoder took it, and the properties it broke.
    package let check: @Sendable (UnsafeRawBufferPointer) -> FuzzOutcome

    /// Runs `check` and stops the process on a broken property, as libFuzzer needs to keep the input.
    package func run(_ data: UnsafeRawBufferPointer) {
        let violations = check(data).violations
        if let first = violations.first {
            fatalError("\(name): \(first)")
        }
    }

    /// Every target, by name.
    package static let all: [FuzzTarget] = [
        .json, .rpcLine, .imagePayload, .vaez, .safetensors, .idx, .v2Infer, .grpcInfer,
    ]

    package static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// A property a decoder broke on some input, in words.
package struct PropertyViolation: Sendable, CustomStringConvertible, Equatable {
    package let description: String

    package init(_ description: String) { self.description = description }
}

/// What checking one input found.
package struct FuzzOutcome: Sendable {
    /// Whether the decoder took the input as valid (else it refused it with its typed error).
    package var accepted: Bool
    /// The properties it broke; empty when all held.
    package var violations: [PropertyViolation]
}

/// Collects broken properties while a target checks one input.
struct Properties {
    private(set) var violations: [PropertyViolation] = []
    /// Set when the decoder takes the input.
    var accepted = false

    var outcome: FuzzOutcome { FuzzOutcome(accepted: accepted, violations: violations) }

    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { violations.append(PropertyViolation(message())) }
    }

    mutating func fail(_ message: String) { violations.append(PropertyViolation(message)) }
}

extension UnsafeRawBufferPointer {
    /// The bytes as an array (decoders that take `[UInt8]`).
    var array: [UInt8] { Array(self) }
}
