import Dispatch

/// A serial executor over a `DispatchQueue`, so the refresh engine's state lives on its own queue, never on
/// an RPC event loop or behind the cooperative pool's other work. (`DispatchSerialQueue`, which would do
/// this directly, does not exist on Linux.)
final class DispatchQueueExecutor: SerialExecutor, Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
