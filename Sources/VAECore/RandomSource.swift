#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A seedable, splittable pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Its whole state is four words, so a checkpoint can save and restore it exactly.
package struct RandomSource: RandomNumberGenerator, Sendable, Equatable, Codable {
    package private(set) var state: [UInt64]

    /// A generator for `seed`; different `stream`s give independent sequences for the same seed.
    package init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = SplitMix64(state: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        if stream != 0 { _ = mixer.next() }
        state = [mixer.next(), mixer.next(), mixer.next(), mixer.next()]
        if state.allSatisfy({ $0 == 0 }) { state[0] = 1 }
    }

    /// Restores a generator from a saved `state`.
    package init(state: [UInt64]) {
        precondition(state.count == 4 && !state.allSatisfy { $0 == 0 }, "invalid xoshiro256** state")
        self.state = state
    }

    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// A Float uniformly distributed in [0, 1), with 24 random bits.
    @inline(__always)
    package mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A Double uniformly distributed in (0, 1], never 0 (safe for a logarithm).
    @inline(__always)
    mutating func nextOpenUnitDouble() -> Double {
        (Double(next() >> 11) + 1) * 0x1p-53
    }

    /// Fills `count` floats with N(0, 1) draws (Box–Muller, both values of each pair used).
    package mutating func fillNormal(_ destination: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let (a, b) = nextNormalPair()
            destination[i] = a
            if i + 1 < count { destination[i + 1] = b }
            i += 2
        }
    }

    /// Two independent N(0, 1) draws.
    @inline(__always)
    package mutating func nextNormalPair() -> (Float, Float) {
        let radius = (-2 * log(nextOpenUnitDouble())).squareRoot()
        let angle = 2 * Double.pi * Double(next() >> 11) * 0x1p-53
        return (Float(radius * cos(angle)), Float(radius * sin(angle)))
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    package mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = Int(next() % UInt64(i + 1))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64, used only to expand a seed into a full generator state.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
