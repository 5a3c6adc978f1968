import Foundation
import VAEJSON

/// What `vaectl bench` runs: closed-loop load on `connections` connections, each keeping `depth` copies of one
/// request in flight for `warmup + duration` seconds.
public struct LoadConfiguration: Sendable {
    public var path: String
    /// One request line, ending in `\n`, sent again and again (responses come back in order per connection, so
    /// its id may stay the same).
    public var requestLine: [UInt8]
    public var connections: Int
    public var depth: Int
    /// Seconds measured, after the warm-up.
    public var duration: Double
    /// Seconds of load before measuring starts.
    public var warmup: Double
    /// How long a connection waits for an answer before giving up.
    public var timeoutSeconds: Double

    public init(
        path: String, requestLine: [UInt8], connections: Int, depth: Int, duration: Double, warmup: Double,
        timeoutSeconds: Double = 30
    ) {
        precondition(
            connections >= 1 && depth >= 1 && duration > 0 && warmup >= 0, "a load needs connections, depth and time")
        precondition(requestLine.last == 0x0A, "a request line ends in a newline")
        self.path = path
        self.requestLine = requestLine
        self.connections = connections
        self.depth = depth
        self.duration = duration
        self.warmup = warmup
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The figures of one load run, over the measured window only.
public struct LoadReport: Sendable {
    /// Responses received inside the window, errors included.
    public var responses: UInt64 = 0
    /// Error responses inside the window, by `data.type` (`unreadable` when the error could not be read).
    public var errors: [String: UInt64] = [:]
    /// Latency from sending a request to receiving its whole response, for the responses inside the window.
    public var latency = LatencyHistogram()
    /// The measured window in seconds.
    public var seconds: Double = 0
    /// Connections that broke off during the run, with why.
    public var failures: [String] = []

    public var errorCount: UInt64 { errors.values.reduce(0, +) }
    public var responsesPerSecond: Double { seconds > 0 ? Double(responses) / seconds : 0 }

    mutating func add(_ other: LoadReport) {
        responses += other.responses
        errors.merge(other.errors, uniquingKeysWith: +)
        latency.merge(other.latency)
        failures += other.failures
    }
}

/// A closed-loop load generator built not to be the bottleneck: the request bytes are built once, each connection
/// has its own thread doing blocking reads, new requests go out in one write per batch of answers, successful
/// responses are only scanned for their newline, and latencies go into a fixed-size histogram.
public enum LoadGenerator {
    /// How long connections wait for the answers still due when the run ends before closing anyway.
    static let drainNanoseconds: UInt64 = 1_000_000_000

    /// Connects every connection, runs the load, and merges the connections' figures.
    /// - Throws: `ConnectionError` when a connection cannot be made (before any load is sent).
    public static func run(_ configuration: LoadConfiguration) throws(ConnectionError) -> LoadReport {
        var workers: [LoadWorker] = []
        for _ in 0..<configuration.connections {
            let socket = try UnixSocket(connectingTo: configuration.path, receiveTimeout: configuration.timeoutSeconds)
            workers.append(LoadWorker(socket: socket, configuration: configuration))
        }
        let start = MonotonicClock.nanoseconds()
        let measureFrom = start + UInt64(configuration.warmup * 1e9)
        let stopAt = measureFrom + UInt64(configuration.duration * 1e9)
        let finished = DispatchSemaphore(value: 0)
        for worker in workers {
            let thread = Thread {
                worker.run(measureFrom: measureFrom, stopAt: stopAt)
                finished.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in workers { finished.wait() }
        var report = LoadReport()
        for worker in workers { report.add(worker.report) }
        report.seconds = configuration.duration
        return report
    }
}

/// One connection's loop. Only its own thread touches it until the run ends.
final class LoadWorker: @unchecked Sendable {
    let socket: UnixSocket
    let configuration: LoadConfiguration
    var report = LoadReport()

    init(socket: UnixSocket, configuration: LoadConfiguration) {
        self.socket = socket
        self.configuration = configuration
    }

    func run(measureFrom: UInt64, stopAt: UInt64) {
        do {
            try loop(measureFrom: measureFrom, stopAt: stopAt)
        } catch {
            report.failures.append(error.message)
        }
    }

    private func loop(measureFrom: UInt64, stopAt: UInt64) throws(ConnectionError) {
        let line = configuration.requestLine
        let depth = configuration.depth
        // depth + 1 copies, so any unsent suffix of up to depth requests is one contiguous slice.
        let lines = [UInt8](repeatElement(line, count: depth + 1).joined())
        var unsent = 0
        // Send times of the requests in flight, oldest first (a ring: answers come back in order).
        var sentAt = [UInt64](repeating: 0, count: depth)
        var oldest = 0
        var inFlight = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var scanned = 0
        let timeout = Int32(min(configuration.timeoutSeconds * 1000, Double(Int32.max)))

        func queue(_ count: Int, at now: UInt64) {
            for _ in 0..<count {
                sentAt[(oldest + inFlight) % depth] = now
                inFlight += 1
            }
            unsent += count * line.count
        }

        queue(depth, at: MonotonicClock.nanoseconds())
        let drainUntil = stopAt + LoadGenerator.drainNanoseconds
        var stopping = false
        while true {
            if unsent > 0 {
                let offset = (line.count - unsent % line.count) % line.count
                let sent = try lines.withUnsafeBufferPointer { (all) throws(ConnectionError) in
                    try socket.sendSome(
                        UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[offset..<(offset + unsent)])))
                }
                unsent -= sent
                if unsent > 0 {
                    // The socket is full: wait for room or answers, whichever comes, so neither side blocks the other.
                    let (readable, writable) = socket.wait(forWriting: true, timeoutMilliseconds: timeout)
                    guard readable || writable else {
                        throw ConnectionError(
                            .timedOut, path: socket.path,
                            "the daemon took no requests and sent no answers for \(configuration.timeoutSeconds) s")
                    }
                    if !readable { continue }
                }
            }
            if stopping {
                // Answers still due are waited for briefly, then abandoned, so a slow daemon cannot stretch the run.
                let now = MonotonicClock.nanoseconds()
                guard inFlight > 0, now < drainUntil else { return }
                let (readable, _) = socket.wait(
                    forWriting: false, timeoutMilliseconds: Int32((drainUntil - now) / 1_000_000) + 1)
                if !readable { return }
            }
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let received = try buffer.withUnsafeMutableBufferPointer { (all) throws(ConnectionError) in
                try socket.receive(
                    into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: all[filled...])))
            }
            guard received > 0 else {
                throw ConnectionError(
                    .closed, path: socket.path, "the daemon closed a connection with \(inFlight) requests unanswered")
            }
            filled += received
            let now = MonotonicClock.nanoseconds()
            let measuring = now >= measureFrom && now < stopAt
            var answered = 0
            var lineStart = 0
            try buffer.withUnsafeBufferPointer { (all) throws(ConnectionError) in
                let raw = UnsafeRawBufferPointer(all)
                let base = raw.baseAddress!
                while scanned < filled, let found = memchr(base + scanned, 0x0A, filled - scanned) {
                    let end = base.distance(to: UnsafeRawPointer(found))
                    guard inFlight > 0 else {
                        throw ConnectionError(
                            .badResponse, path: socket.path, "the daemon sent more answers than requests")
                    }
                    if measuring {
                        report.latency.record(nanoseconds: now &- sentAt[oldest])
                        report.responses += 1
                        if let type = Self.errorType(UnsafeRawBufferPointer(rebasing: raw[lineStart..<end])) {
                            report.errors[type, default: 0] += 1
                        }
                    }
                    oldest = (oldest + 1) % depth
                    inFlight -= 1
                    answered += 1
                    lineStart = end + 1
                    scanned = lineStart
                }
            }
            scanned = filled
            if lineStart > 0 {
                // Keep the start of a partial answer at the front of the buffer.
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + lineStart, filled - lineStart)
                }
                filled -= lineStart
                scanned = filled
            }
            if now < stopAt {
                if answered > 0 { queue(answered, at: MonotonicClock.nanoseconds()) }
            } else {
                stopping = true
            }
        }
    }

    private static let errorMarker = Array("\"error\":".utf8)

    /// nil for a successful response; otherwise its `data.type`. Only lines that contain `"error":` are parsed.
    static func errorType(_ line: UnsafeRawBufferPointer) -> String? {
        let bytes = line.assumingMemoryBound(to: UInt8.self)
        guard contains(errorMarker, in: bytes) else { return nil }
        guard let response = try? JSONParser().parse(bytes) else { return "unreadable" }
        guard let error = response["error"] else { return nil }
        return error["data"]?["type"]?.stringValue ?? "unreadable"
    }

    /// Whether `marker` (which starts with a quote) occurs in `bytes`; memchr finds the candidate quotes.
    static func contains(_ marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, bytes.count >= marker.count else { return false }
        var offset = 0
        let last = bytes.count - marker.count
        while offset <= last, let found = memchr(base + offset, Int32(marker[0]), last - offset + 1) {
            let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if memcmp(base + at, marker, marker.count) == 0 { return true }
            offset = at + 1
        }
        return false
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
