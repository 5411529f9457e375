import NIOCore
import RefreshEngine

/// Checks that the daemon still answers: every RPC event loop runs a no-op, and the refresh engine's coordinator
/// (the actor on its own Dispatch queue that every refresh goes through) takes a call.
///
/// Nothing here blocks or waits past the timeout: a loop or an engine that never answers is counted as not
/// answering when the time is up, and the probe returns.
struct LivenessProbe: Sendable {
    let loops: [any EventLoop]
    let engine: RefreshEngine

    private enum Answer: Sendable {
        case loop
        case engine
    }

    func run(timeout: Duration) async -> WatchdogVerdict {
        let (answers, sink) = AsyncStream<Answer>.makeStream()
        for loop in loops {
            loop.execute { sink.yield(.loop) }
        }
        // Unstructured on purpose: an engine stuck for good must not hold the probe (or shutdown) with it.
        let engineCall = Task { [engine] in
            await engine.ping()
            sink.yield(.engine)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            sink.finish()
        }
        var (loopsAnswered, engineAnswered) = (0, false)
        for await answer in answers {
            switch answer {
            case .loop: loopsAnswered += 1
            case .engine: engineAnswered = true
            }
            if loopsAnswered == loops.count, engineAnswered { break }
        }
        timer.cancel()
        engineCall.cancel()
        sink.finish()
        return WatchdogVerdict.judge(loopsAnswered: loopsAnswered, loops: loops.count, engineAnswered: engineAnswered)
    }
}
