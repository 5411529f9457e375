import MetricsDaemon
import Testing

/// The pure parts of the systemd integration: what is sent, where, when the watchdog is on and when it is pinged,
/// and which descriptor socket activation passes.
@Suite struct SystemdValuesTests {
    @Test func notifyMessagesAreKeyValueLines() {
        #expect(NotifyMessage.ready(status: "listening on /run/metricsd/metricsd.sock").text
            == "READY=1\nSTATUS=listening on /run/metricsd/metricsd.sock")
        #expect(NotifyMessage.stopping.text == "STOPPING=1\nSTATUS=stopping")
        #expect(NotifyMessage.watchdog.text == "WATCHDOG=1")
        // A newline would start another assignment: a status stays one line.
        #expect(NotifyMessage.status("two\nlines").text == "STATUS=two lines")
    }

    @Test func theNotifySocketIsAPathOrAnAbstractName() {
        #expect(NotifyTarget.parse("/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(NotifyTarget.parse("@/org/freedesktop/systemd1/notify/123") == .abstract("/org/freedesktop/systemd1/notify/123"))
        #expect(NotifyTarget.parse(nil) == nil)
        #expect(NotifyTarget.parse("") == nil)
        #expect(NotifyTarget.parse("@") == nil)
        #expect(NotifyTarget.parse("vsock:2:1234") == nil)
        #expect(NotifyTarget.parse("relative/path") == nil)
    }

    @Test func theWatchdogPingsEveryHalfTimeoutAndProbesWithinAQuarter() throws {
        let schedule = try #require(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "30000000"], processID: 42))
        #expect(schedule.timeout == .seconds(30))
        #expect(schedule.interval == .seconds(15))
        #expect(schedule.probeTimeout == .seconds(5))  // capped: a quarter would be 7.5 s
        let short = try #require(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "400000"], processID: 42))
        #expect(short.interval == .milliseconds(200))
        #expect(short.probeTimeout == .milliseconds(100))
    }

    @Test func theWatchdogIsOnlyForThisProcessAndAPositiveTimeout() {
        #expect(WatchdogSchedule.parse(environment: [:], processID: 42) == nil)
        #expect(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "0"], processID: 42) == nil)
        #expect(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "soon"], processID: 42) == nil)
        #expect(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "7"], processID: 42) == nil)
        #expect(WatchdogSchedule.parse(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "42"], processID: 42) != nil)
    }

    @Test func aPingNeedsEveryLoopAndTheEngine() {
        #expect(WatchdogVerdict.judge(loopsAnswered: 2, loops: 2, engineAnswered: true) == .ping)
        #expect(WatchdogVerdict.judge(loopsAnswered: 1, loops: 2, engineAnswered: true)
            == .withhold(reason: "1 of 2 event loops did not answer"))
        #expect(WatchdogVerdict.judge(loopsAnswered: 2, loops: 2, engineAnswered: false)
            == .withhold(reason: "the refresh engine did not answer"))
        #expect(WatchdogVerdict.judge(loopsAnswered: 0, loops: 2, engineAnswered: false)
            == .withhold(reason: "2 of 2 event loops did not answer; the refresh engine did not answer"))
    }

    @Test func socketActivationTakesDescriptorThreeForThisProcessOnly() throws {
        #expect(try SocketActivation.descriptor(environment: [:], processID: 42) == nil)
        #expect(try SocketActivation.descriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "1"], processID: 42) == 3)
        #expect(try SocketActivation.descriptor(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "1"], processID: 42) == nil)
        #expect(try SocketActivation.descriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "0"], processID: 42) == nil)
        #expect(throws: SocketActivation.Problem.self) {
            try SocketActivation.descriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "2"], processID: 42)
        }
        #expect(throws: SocketActivation.Problem.self) {
            try SocketActivation.descriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "many"], processID: 42)
        }
    }
}
