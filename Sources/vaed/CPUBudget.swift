#if canImport(Glibc)
import Glibc
#endif
import VAETransportSupport

/// How many cores this process may use: the CPUs it may run on (`taskset`, cpusets) and, in a container, its CPU
/// quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up. Foundation's
/// processor count sees the machine's online CPUs only, so a pod limited to 2 of 64 cores would start 64 compute
/// threads that the kernel then throttles.
enum CPUBudget {
    static var cores: Int {
        var budget = affinityCount ?? sysconf(Int32(_SC_NPROCESSORS_ONLN))
        if let quota = quotaCores { budget = min(budget, quota) }
        return max(1, budget)
    }

    /// The CPUs this process may run on, from the mask in /proc/self/status (sched_getaffinity needs
    /// _GNU_SOURCE, which Swift's Glibc module does not define).
    private static var affinityCount: Int? {
        guard let mask = lines("/proc/self/status").first(where: { $0.hasPrefix("Cpus_allowed:") })?.dropFirst(13)
        else { return nil }
        let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
        return count > 0 ? count : nil
    }

    private static var quotaCores: Int? {
        if let text = lines("/sys/fs/cgroup/cpu.max").first {
            let fields = text.split(separator: " ")
            guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 else { return nil }
            return Int((quota / period).rounded(.up))
        }
        guard let quota = lines("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").first.flatMap(Double.init), quota > 0,
              let period = lines("/sys/fs/cgroup/cpu/cpu.cfs_period_us").first.flatMap(Double.init), period > 0
        else { return nil }
        return Int((quota / period).rounded(.up))
    }

    /// A kernel file's lines (sysfs and procfs files report no size, so they are read as a stream).
    private static func lines(_ path: String) -> [String] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            lines.append(String(String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace))
        }
        return lines
    }
}
