import Foundation
import VAEJSON

/// What `vaectl bench` runs: closed-loop load on `connections` connections, each keeping `depth` copies of one
/// request in flight for `warmup + duration` seconds.
package struct LoadConfiguration: Sendable {
    package var path: String
    /// One request line, ending in `\n`, sent again and again (responses come back in order per connection, so
    /// its id may stay the same).
    package var requestLine: [UInt8]
    package var connections: Int
    package var depth: Int
    /// Seconds measured, after the warm-up.
    package var duration: Double
    /// Seconds of load before measuring starts.
    package var warmup: Double
    /// How long the run waits without any answer before giving up.
    package var timeoutSeconds: Double
    /// Threads sharing the connections, each running one epoll loop.
    package var threads: Int
    /// Busy-poll instead of sleeping in poll(2): the figures then leave out the generator's own wake-up from sleep
    /// (tens of µs on a virtual machine), at the cost of a busy core per thread.
    package var spin: Bool

    package init(
        path: String, requestLine: [UInt8], connections: Int, depth: Int, duration: Double, warmup: Double,
        timeoutSeconds: Double = 30, threads: Int = 1, spin: Bool = false
    ) {
        precondition(
            connections >= 1 && depth >= 1 && duration > 0 && warmup >= 0 && threads >= 1,
            "a load needs connections, depth, time and a thread")
        precondition(requestLine.last == 0x0A, "a request line ends in a newline")
        self.path = path
        self.requestLine = requestLine
        self.connections = connections
        self.depth = depth
        self.duration = duration
        self.warmup = warmup
        self.timeoutSeconds = timeoutSeconds
        self.threads = threads
        self.spin = spin
    }
}

/// The figures of one load run, over the measured window only.
package struct LoadReport: Sendable {
    /// Responses received inside the window, errors included.
    package var responses: UInt64 = 0
    /// Error responses inside the window, by `data.type` (`unreadable` when the error could not be read).
    package var errors: [String: UInt64] = [:]
    /// Latency from sending a request to receiving its whole response, for the responses inside the window.
    package var latency = LatencyHistogram()
    /// The measured window in seconds: from the start of measuring until the run stopped measuring, which is
    /// `duration` unless the run started late or broke off early (every connection failed).
    package var seconds: Double = 0
    /// Connections that broke off during the run, with why.
    package var failures: [String] = []

    package var errorCount: UInt64 { errors.values.reduce(0, +) }
    package var responsesPerSecond: Double { seconds > 0 ? Double(responses) / seconds : 0 }

    mutating func add(_ other: LoadReport) {
        responses += other.responses
        errors.merge(other.errors, uniquingKeysWith: +)
        latency.merge(other.latency)
        failures += other.failures
    }
}

/// A closed-loop load generator built not to be the bottleneck: the request bytes are built once, a few threads each
/// run a poll(2) loop over their share of the connections (one wake-up serves every connection that has answers),
/// new requests go out in one write per batch of answers, successful responses are only scanned for their newline,
/// and latencies go into a fixed-size histogram.
package enum LoadGenerator {
    /// How long connections wait for the answers still due when the run ends before closing anyway.
    static let drainNanoseconds: UInt64 = 1_000_000_000

    /// Connects every connection, runs the load, and merges the figures.
    /// - Throws: `ConnectionError` when a connection cannot be made (before any load is sent).
    package static func run(_ configuration: LoadConfiguration) throws(ConnectionError) -> LoadReport {
        var connections: [LoadConnection] = []
        for _ in 0..<configuration.connections {
            let socket = try UnixSocket(connectingTo: configuration.path, receiveTimeout: nil)
            connections.append(LoadConnection(socket: socket, configuration: configuration))
        }
        let threads = min(configuration.threads, connections.count)
        let loops = (0..<threads).map { thread in
            LoadLoop(
                connections: stride(from: thread, to: connections.count, by: threads).map { connections[$0] },
                timeoutSeconds: configuration.timeoutSeconds, spin: configuration.spin)
        }
        let start = MonotonicClock.nanoseconds()
        let measureFrom = start + UInt64(configuration.warmup * 1e9)
        let stopAt = measureFrom + UInt64(configuration.duration * 1e9)
        let finished = DispatchSemaphore(value: 0)
        for loop in loops {
            let thread = Thread {
                loop.run(measureFrom: measureFrom, stopAt: stopAt)
                finished.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in loops { finished.wait() }
        var report = LoadReport()
        for connection in connections { report.add(connection.report) }
        // Measured, not configured: answers count only while a loop runs inside [measureFrom, stopAt).
        let from = max(measureFrom, loops.map(\.began).min()!), to = min(stopAt, loops.map(\.ended).max()!)
        report.seconds = to > from ? Double(to - from) / 1e9 : 0
        return report
    }
}

/// One thread's share of the connections, driven by poll(2): one wake-up serves every connection with answers.
/// Only its own thread touches it until the run ends.
final class LoadLoop: @unchecked Sendable {
    let connections: [LoadConnection]
    let spin: Bool
    let timeoutMilliseconds: Int32
    /// When `run` started and returned (monotonic nanoseconds); read after the run.
    private(set) var began: UInt64 = 0
    private(set) var ended: UInt64 = 0

    init(connections: [LoadConnection], timeoutSeconds: Double, spin: Bool) {
        self.connections = connections
        self.spin = spin
        timeoutMilliseconds = Int32(min(timeoutSeconds * 1000, Double(Int32.max)))
    }

    func run(measureFrom: UInt64, stopAt: UInt64) {
        let start = MonotonicClock.nanoseconds()
        began = start
        defer { ended = MonotonicClock.nanoseconds() }
        var descriptors = connections.map { connection in
            connection.socket.setNonBlocking()
            connection.queue(connection.depth, at: start)
            return pollfd(fd: connection.socket.descriptor, events: connection.pollEvents, revents: 0)
        }
        let drainUntil = stopAt + LoadGenerator.drainNanoseconds
        var lastAnswer = start
        var open = connections.count
        while open > 0 {
            let now = MonotonicClock.nanoseconds()
            if now >= drainUntil { break }
            // Wake at the end of the measured window too, to stop sending.
            let deadline = now < stopAt ? stopAt : drainUntil
            let wait = spin ? 0 : Int32(min((deadline - now) / 1_000_000 + 1, UInt64(timeoutMilliseconds)))
            let ready = poll(&descriptors, nfds_t(descriptors.count), wait)
            if ready < 0 && errno == EINTR { continue }
            let woke = MonotonicClock.nanoseconds()
            if ready <= 0 {
                if woke - lastAnswer >= UInt64(timeoutMilliseconds) * 1_000_000 {
                    let seconds = Double(timeoutMilliseconds) / 1000
                    for connection in connections where connection.isOpen && connection.inFlight > 0 {
                        connection.fail("no answer from the daemon for \(seconds) s")
                    }
                    break
                }
                if woke < stopAt { continue }
            }
            let measuring = woke >= measureFrom && woke < stopAt
            for (index, connection) in connections.enumerated() where connection.isOpen {
                let events = descriptors[index].revents
                if events != 0 {
                    let readable = events & Int16(POLLIN | POLLHUP | POLLERR) != 0
                    if connection.service(readable: readable, now: woke, measuring: measuring, sendMore: woke < stopAt)
                    {
                        lastAnswer = woke
                    }
                }
                if !connection.isOpen || (woke >= stopAt && connection.inFlight == 0) {
                    connection.isOpen = false
                    descriptors[index].fd = -1  // poll ignores it from now on
                    open -= 1
                } else {
                    descriptors[index].events = connection.pollEvents
                }
                descriptors[index].revents = 0
            }
        }
    }
}

/// One connection of a load run: the requests in flight, the bytes still to send, the answers half read.
final class LoadConnection: @unchecked Sendable {
    let socket: UnixSocket
    let line: [UInt8]
    let depth: Int
    /// depth + 1 copies of the request, so any unsent suffix of up to depth requests is one contiguous slice.
    let lines: [UInt8]
    var unsent = 0
    /// Send times of the requests in flight, oldest first (a ring: answers come back in order).
    var sentAt: [UInt64]
    var oldest = 0
    var inFlight = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var filled = 0
    var isOpen = true
    var report = LoadReport()

    init(socket: UnixSocket, configuration: LoadConfiguration) {
        self.socket = socket
        line = configuration.requestLine
        depth = configuration.depth
        lines = [UInt8](repeatElement(configuration.requestLine, count: configuration.depth + 1).joined())
        sentAt = [UInt64](repeating: 0, count: configuration.depth)
    }

    func queue(_ count: Int, at now: UInt64) {
        for _ in 0..<count {
            sentAt[(oldest + inFlight) % depth] = now
            inFlight += 1
        }
        unsent += count * line.count
        flush()
    }

    /// Writes what the socket takes now.
    func flush() {
        while unsent > 0 && isOpen {
            let offset = (line.count - unsent % line.count) % line.count
            do {
                let sent = try lines.withUnsafeBufferPointer { (all) throws(ConnectionError) in
                    try socket.sendSome(
                        UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[offset..<(offset + unsent)])))
                }
                if sent == 0 { return }
                unsent -= sent
            } catch {
                fail(error.message)
            }
        }
    }

    /// Reads what has arrived, records the answers complete in it, and sends one new request per answer.
    /// - Returns: whether any answer was complete.
    @discardableResult
    func service(readable: Bool, now: UInt64, measuring: Bool, sendMore: Bool) -> Bool {
        flush()
        guard readable, isOpen else { return false }
        if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let received: Int?
        do {
            received = try buffer.withUnsafeMutableBufferPointer { (all) throws(ConnectionError) in
                try socket.receiveAvailable(
                    into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: all[filled...])))
            }
        } catch {
            fail(error.message)
            return false
        }
        guard let received else { return false }  // nothing after all
        guard received > 0 else {
            fail("the daemon closed a connection with \(inFlight) requests unanswered")
            return false
        }
        let scanFrom = filled
        filled += received
        var answered = 0
        var lineStart = 0
        var failure: String?
        buffer.withUnsafeBufferPointer { all in
            let raw = UnsafeRawBufferPointer(all)
            let base = raw.baseAddress!
            var scanned = scanFrom
            while scanned < filled, let found = memchr(base + scanned, 0x0A, filled - scanned) {
                let end = base.distance(to: UnsafeRawPointer(found))
                guard inFlight > 0 else {
                    failure = "the daemon sent more answers than requests"
                    return
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
        if let failure {
            fail(failure)
            return false
        }
        if lineStart > 0 {
            // Keep the start of a partial answer at the front of the buffer.
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + lineStart, filled - lineStart)
            }
            filled -= lineStart
        }
        if sendMore && answered > 0 { queue(answered, at: MonotonicClock.nanoseconds()) }
        return answered > 0
    }

    /// What poll is asked about: answers always, room to write while some requests are unsent.
    var pollEvents: Int16 { Int16(POLLIN) | (unsent > 0 ? Int16(POLLOUT) : 0) }

    func fail(_ message: String) {
        if isOpen { report.failures.append(message) }
        isOpen = false
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
