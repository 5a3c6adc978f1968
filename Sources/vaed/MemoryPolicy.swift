#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a long-running daemon whose answers are short-lived buffers of up to a few hundred KiB.
///
/// By default every thread that allocates may get its own arena, and freed memory stays in them; resident memory
/// then grows with the number of threads that ever touched a large answer. Two arenas, and handing free pages back
/// to the kernel every second, keep it nearer what is in use (`Tools/bench/serving.py` reports the soak).
enum MemoryPolicy {
    static func apply() {
        #if canImport(Glibc)
        _ = glibcMallopt(glibcArenaMax, 2)
        #endif
    }

    /// Returns free heap pages to the kernel, every `interval`, until cancelled.
    static func trimPeriodically(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            #if canImport(Glibc)
            _ = glibcMallocTrim(0)
            #endif
        }
    }
}

#if canImport(Glibc)
// From <malloc.h>, which the Glibc module does not export.
/// malloc_trim(3).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
/// mallopt(3).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// M_ARENA_MAX.
private let glibcArenaMax: Int32 = -8
#endif
