/// A clock whose time runs `speed` times faster than a real clock, from an anchor:
/// `now = anchor.scaled + (real.now − anchor.real) × speed`.
///
/// metricsd's freshness rules are written in hours and days (a post younger than a day is due hourly, an older
/// one every 6 hours, then daily). At real speed a demo would show one of those steps an hour; at speed 60 an
/// hour passes in a real minute and a post's first simulated day in 24 real minutes. Everything that reads the
/// time or waits shares the clock, so limiters, deadlines, backoff and token lifetimes keep their proportions.
///
/// Readings are whole milliseconds rounded down, so scaled time never runs backwards while the real clock does
/// not; its resolution is `speed` milliseconds (the real clock's millisecond, scaled: 3.6 s at speed 3600).
/// At speed 1 with an anchor whose two times are equal, it reads and waits exactly like its real clock.
public struct ScaledClock: WallClock {
    /// One instant on both timelines. A demo that anchors at its first start continues the same scaled
    /// timeline after a restart.
    public struct Anchor: Sendable, Hashable {
        public var real: Timestamp
        public var scaled: Timestamp

        public init(real: Timestamp, scaled: Timestamp) {
            self.real = real
            self.scaled = scaled
        }

        /// Scaled time starts out equal to real time at `moment`.
        public static func at(_ moment: Timestamp) -> Anchor {
            Anchor(real: moment, scaled: moment)
        }
    }

    public let speed: Double
    public let anchor: Anchor
    /// The real-time source: `SystemClock` in a process, a `ManualClock` in tests.
    public let real: any WallClock

    /// `speed` must be a positive finite number (command lines check it first, with a message); no anchor
    /// means scaled time starts equal to real time now.
    public init(speed: Double, anchor: Anchor? = nil, real: any WallClock = SystemClock()) {
        precondition(speed > 0 && speed.isFinite, "a clock speed must be a positive finite number")
        self.speed = speed
        self.real = real
        self.anchor = anchor ?? .at(real.now)
    }

    public var now: Timestamp {
        scaled(atReal: real.now)
    }

    /// The scaled reading at real time `moment`.
    public func scaled(atReal moment: Timestamp) -> Timestamp {
        anchor.scaled.adding(milliseconds: scaledOffset(realOffset: moment.milliseconds(since: anchor.real)))
    }

    /// The first real millisecond at which the scaled reading is at least `deadline`: what a sleeper waits for.
    public func realTime(reaching deadline: Timestamp) -> Timestamp {
        let target = deadline.milliseconds(since: anchor.scaled)
        var offset = Int64((Double(target) / speed).rounded(.up))
        // The division and the reading's multiplication each round in Double: step to the exact first millisecond,
        // so a sleeper neither wakes a millisecond early (and loops) nor a millisecond late.
        while scaledOffset(realOffset: offset - 1) >= target { offset -= 1 }
        while scaledOffset(realOffset: offset) < target { offset += 1 }
        return anchor.real.adding(milliseconds: offset)
    }

    /// Sleeps on the real clock until `realTime(reaching: deadline)`, then checks again: a real clock stepped
    /// back, or one that woke early, costs another sleep, never a wake-up before the deadline. Cancellation is
    /// the real clock's: a cancelled sleep throws `CancellationError`.
    public func sleep(until deadline: Timestamp) async throws {
        while now < deadline {
            try await real.sleep(until: realTime(reaching: deadline))
        }
    }

    private func scaledOffset(realOffset: Int64) -> Int64 {
        Int64((Double(realOffset) * speed).rounded(.down))
    }
}
