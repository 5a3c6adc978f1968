import VAECore
import VAENumerics

/// Central finite differences of `loss` w.r.t. `values[index]`, in place, restoring the value afterwards.
func finiteDifference(
    _ values: UnsafeMutablePointer<Float>, at index: Int, step: Float = 1e-2, loss: () -> Double
) -> Double {
    let saved = values[index]
    values[index] = saved + step
    let up = loss()
    values[index] = saved - step
    let down = loss()
    values[index] = saved
    return (up - down) / (2 * Double(step))
}

/// True when an analytic gradient agrees with a numeric one within float32 finite-difference noise.
func agrees(_ analytic: Double, _ numeric: Double, absolute: Double = 2e-3, relative: Double = 2e-2) -> Bool {
    abs(analytic - numeric) <= absolute + relative * max(abs(analytic), abs(numeric))
}

func randomBuffer(_ count: Int, seed: UInt64, scale: Float = 1) -> FloatBuffer {
    var random = RandomSource(seed: seed)
    let buffer = FloatBuffer(count: count)
    for i in 0..<count { buffer.pointer[i] = (random.nextUnitFloat() * 2 - 1) * scale }
    return buffer
}
