import VAEJSON
import VAENumerics

extension GEMMKernels {
    /// `{"library","version","isa","cpu_isa"}`, as `hello` and `stats` report it.
    func write(into w: inout JSONWriter) {
        w.raw("{\"library\":")
        w.string(library)
        w.raw(",\"version\":")
        w.string(version)
        w.raw(",\"isa\":")
        w.string(instructionSet)
        w.raw(",\"cpu_isa\":")
        w.string(cpuInstructionSet)
        w.raw("}")
    }

    /// The Prometheus info metric: always 1, the facts in its labels.
    var prometheusInfo: String {
        "vaed_gemm_info{library=\"\(library)\",version=\"\(version)\",isa=\"\(instructionSet)\",cpu_isa=\"\(cpuInstructionSet)\"} 1"
    }
}
