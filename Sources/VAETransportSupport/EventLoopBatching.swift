import NIOCore
import NIOPosix

/// Gathers event-loop tasks while a compute thread finishes a batch, and hands them over as one task per event
/// loop: a batch that answers forty connections wakes each event loop once, not forty times.
package final class EventLoopBatching {
    // Each thread sees only its own value.
    nonisolated(unsafe) private static let current = ThreadSpecificVariable<EventLoopBatching>()
    private var tasks: [(loop: any EventLoop, work: [@Sendable () -> Void])] = []

    /// Runs `body` (a finished compute batch's completions) so that the event-loop hops they make are gathered:
    /// one task per event loop, however many connections the batch answers. Give it to the engine as `deliver`;
    /// every NIO transport's completions hop through `execute(on:_:)`.
    package static let gatherEventLoopHops: @Sendable (() -> Void) -> Void = { collecting($0) }

    /// Runs `body`; tasks scheduled inside it with `execute(on:_:)` from this thread run after it, grouped by loop.
    package static func collecting(_ body: () -> Void) {
        let batching = EventLoopBatching()
        current.currentValue = batching
        body()
        current.currentValue = nil
        for (loop, work) in batching.tasks {
            loop.execute { for task in work { task() } }
        }
    }

    /// Runs `task` on `loop`: at the end of the surrounding `collecting` block on this thread, else now.
    package static func execute(on loop: any EventLoop, _ task: @escaping @Sendable () -> Void) {
        guard let batching = current.currentValue else { return loop.execute(task) }
        if let index = batching.tasks.firstIndex(where: { $0.loop === loop }) {
            batching.tasks[index].work.append(task)
        } else {
            batching.tasks.append((loop, [task]))
        }
    }
}
