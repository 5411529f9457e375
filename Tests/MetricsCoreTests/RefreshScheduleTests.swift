import MetricsCore
import Testing

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
private let minute: Int64 = 60_000
private let t0 = Timestamp(iso8601: "2026-11-01T00:00:00Z")!

@Suite struct CadenceTests {
    @Test func theStandardLadderForThirtyDays() {
        let cadence = Cadence.standard(windowDays: 30)
        #expect(cadence.bands == [
            .init(minimumAge: 0, maximumAge: day, interval: hour),
            .init(minimumAge: day, maximumAge: 7 * day, interval: 6 * hour),
            .init(minimumAge: 7 * day, maximumAge: 30 * day, interval: day),
        ])
        #expect(cadence.bands.map(\.name) == ["<1d", "1d-7d", "7d-30d"])
        #expect(cadence.band(forAge: 0)?.index == 0)
        #expect(cadence.band(forAge: day - 1)?.index == 0)
        #expect(cadence.band(forAge: day)?.index == 1)
        #expect(cadence.band(forAge: 30 * day - 1)?.index == 2)
        #expect(cadence.band(forAge: 30 * day) == nil)
        #expect(cadence.band(forAge: -hour)?.index == 0)  // scheduled, not yet published
    }

    @Test func aLongerWindowAddsWeeklyRefreshesPastDayThirty() {
        let cadence = Cadence.standard(windowDays: 90)
        #expect(cadence.bands.last == .init(minimumAge: 30 * day, maximumAge: 90 * day, interval: 7 * day))
        #expect(Cadence.standard(windowDays: 3).bands == [
            .init(minimumAge: 0, maximumAge: day, interval: hour), .init(minimumAge: day, maximumAge: 3 * day, interval: 6 * hour),
        ])
    }

    @Test func theFlag() throws {
        #expect(try Cadence.parse("standard", windowDays: 30) == .standard(windowDays: 30))
        let fixed = try Cadence.parse("fixed:21600", windowDays: 30)
        #expect(fixed.isFixed)
        #expect(fixed.bands == [.init(minimumAge: 0, maximumAge: 30 * day, interval: 6 * hour)])
        let custom = try Cadence.parse("12h=30m,2d=2h", windowDays: 7)
        #expect(custom.bands == [
            .init(minimumAge: 0, maximumAge: 12 * hour, interval: 30 * minute),
            .init(minimumAge: 12 * hour, maximumAge: 7 * day, interval: 2 * hour),  // the last rung reaches the window's end
        ])
        for bad in ["fixed:0", "fixed:x", "1d", "1d=1h,1d=2h", "2d=1h,1d=2h", "", "1d=-1h", "1w=1h"] {
            #expect(throws: Cadence.ParseError.self) { try Cadence.parse(bad, windowDays: 30) }
        }
    }

    @Test func durations() {
        #expect(DurationText.parse("90s") == 90_000)
        #expect(DurationText.parse("15m") == 15 * minute)
        #expect(DurationText.parse("7d") == 7 * day)
        #expect(DurationText.parse("30") == 30_000)
        #expect(DurationText.parse("h") == nil)
        #expect(DurationText.format(day) == "1d")
        #expect(DurationText.format(90 * minute) == "90m")
        #expect(DurationText.format(1500) == "1500ms")
    }
}

@Suite struct VelocityRuleTests {
    let rule = VelocityRule()

    func reading(_ value: Int64, _ offset: Int64) -> VelocityRule.Reading { .init(value: value, at: t0.adding(milliseconds: offset)) }

    @Test func theIntervalAimsAtFivePercentChangeFromAQuarterOfTheBandToTheBand() {
        // +5 % in an hour: the band's interval.
        #expect(rule.interval(bandInterval: hour, previous: reading(1000, 0), current: reading(1050, hour)) == hour)
        // +1 %/h: 5 h ideal, never past the band.
        #expect(rule.interval(bandInterval: hour, previous: reading(1000, 0), current: reading(1010, hour)) == hour)
        // +10 %/h: 30 min.
        #expect(rule.interval(bandInterval: hour, previous: reading(1000, 0), current: reading(1100, hour)) == 30 * minute)
        // +50 %/h: 6 min ideal, clamped to a quarter of the band.
        #expect(rule.interval(bandInterval: hour, previous: reading(1000, 0), current: reading(1500, hour)) == 15 * minute)
        // +20 % over 2 h = 10 %/h: 30 min ideal, clamped to a quarter of the 6-hourly band.
        #expect(rule.interval(bandInterval: 6 * hour, previous: reading(1000, 0), current: reading(1200, 2 * hour)) == 90 * minute)
        // +2 %/h in the 6-hourly band: 2.5 h.
        #expect(rule.interval(bandInterval: 6 * hour, previous: reading(1000, 0), current: reading(1020, hour)) == 150 * minute)
    }

    @Test func stillCountersAndFirstFetchesGetTheBand() {
        #expect(rule.interval(bandInterval: day, previous: reading(500, 0), current: reading(500, day)) == day)
        #expect(rule.interval(bandInterval: day, previous: nil, current: reading(500, 0)) == day)
        #expect(rule.interval(bandInterval: day, previous: reading(500, 0), current: nil) == day)
        #expect(rule.interval(bandInterval: day, previous: reading(500, hour), current: reading(900, hour)) == day)  // no time between
    }

    @Test func aDropIsMovementAndZeroCountsAsOne() {
        #expect(rule.interval(bandInterval: hour, previous: reading(1000, 0), current: reading(950, hour)) == hour)
        // 0 → 1 in an hour: +100 %/h against a base of 1: clamped to a quarter.
        #expect(rule.interval(bandInterval: hour, previous: reading(0, 0), current: reading(1, hour)) == 15 * minute)
    }

    @Test func theMainCounterIsViewsThenReachThenLikes() {
        #expect(MetricValues(views: 5, reach: 4, likes: 3).mainCounter == 5)
        #expect(MetricValues(reach: 4, likes: 3).mainCounter == 4)
        #expect(MetricValues(likes: 3).mainCounter == 3)
        #expect(MetricValues(comments: 3).mainCounter == nil)
    }
}

@Suite struct FailureBackoffTests {
    @Test func minutesThenHoursNeverPastTheBandAndFailingFromTheFifth() {
        let backoff = FailureBackoff()
        #expect((1...4).map { backoff.retryDelay(consecutiveFailures: $0, bandInterval: day) }
            == [5 * minute, 15 * minute, 45 * minute, 135 * minute])
        #expect(backoff.retryDelay(consecutiveFailures: 5, bandInterval: day) == day)
        #expect(backoff.retryDelay(consecutiveFailures: 50, bandInterval: day) == day)
        #expect(backoff.retryDelay(consecutiveFailures: 3, bandInterval: hour) == 45 * minute)
        #expect(backoff.retryDelay(consecutiveFailures: 4, bandInterval: hour) == hour)
        #expect(!backoff.isFailing(consecutiveFailures: 4))
        #expect(backoff.isFailing(consecutiveFailures: 5))
        #expect(FailureBackoff(failingAfter: 2).retryDelay(consecutiveFailures: 2, bandInterval: day) == day)
    }
}

@Suite struct RefreshScheduleTests {
    let schedule = RefreshSchedule(cadence: .standard(windowDays: 30))

    @Test func aNewPostIsDueAtOnceOrWhenPublishedAndNeverOutsideTheWindow() {
        #expect(schedule.firstDue(postedAt: t0.adding(milliseconds: -hour), now: t0) == t0)
        #expect(schedule.firstDue(postedAt: t0.adding(milliseconds: hour), now: t0) == t0.adding(milliseconds: hour))
        #expect(schedule.firstDue(postedAt: t0.adding(days: -31), now: t0) == nil)
    }

    @Test func afterASuccessTheBandShortenedByVelocityLessTheLead() {
        let posted = t0.adding(milliseconds: -2 * hour)
        let previous = VelocityRule.Reading(value: 1000, at: t0.adding(milliseconds: -hour))
        let current = VelocityRule.Reading(value: 1100, at: t0)
        // +10 %/h: 30 min, less a tenth (3 min).
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: posted, previous: previous, current: current)
            == t0.adding(milliseconds: 27 * minute))
        // A 20-day-old post that did not move: its daily band, less the lead's cap of 10 min.
        let old = t0.adding(days: -20)
        let still = VelocityRule.Reading(value: 1000, at: t0)
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: old, previous: .init(value: 1000, at: t0.adding(days: -1)), current: still)
            == t0.adding(milliseconds: day - 10 * minute))
        // A quiet 3-day-old post: 6 h less 10 min; a quiet young one: 60 min less 6.
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: t0.adding(days: -3), previous: nil, current: still)
            == t0.adding(milliseconds: 350 * minute))
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: posted, previous: nil, current: still)
            == t0.adding(milliseconds: 54 * minute))
        // Nearing the window's end: no refresh past it (due at 29 d 23 h 50 min of age is still inside; at 30 d 50 min not).
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: t0.adding(days: -29), previous: nil, current: still)
            == t0.adding(milliseconds: day - 10 * minute))
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: t0.adding(days: -29).adding(milliseconds: -hour), previous: nil, current: still) == nil)
        #expect(schedule.nextDue(afterSuccessAt: t0, postedAt: t0.adding(days: -31), previous: nil, current: still) == nil)
    }

    @Test func theLeadIsATenthOfTheIntervalAtMostTenMinutes() {
        #expect(RefreshSchedule.planningLead(interval: 15 * minute) == 90_000)
        #expect(RefreshSchedule.planningLead(interval: hour) == 6 * minute)
        #expect(RefreshSchedule.planningLead(interval: 100 * minute) == 10 * minute)
        #expect(RefreshSchedule.planningLead(interval: day) == 10 * minute)
    }

    @Test func aFixedCadenceIgnoresVelocity() {
        let fixed = RefreshSchedule(cadence: .fixed(interval: 6 * hour, windowDays: 30))
        let fast = VelocityRule.Reading(value: 2000, at: t0)
        #expect(fixed.nextDue(afterSuccessAt: t0, postedAt: t0.adding(milliseconds: -hour),
                              previous: .init(value: 1000, at: t0.adding(milliseconds: -hour)), current: fast)
            == t0.adding(milliseconds: 6 * hour))
    }

    @Test func afterAFailureTheBackoff() {
        let posted = t0.adding(days: -3)
        #expect(schedule.nextDue(afterFailureAt: t0, postedAt: posted, consecutiveFailures: 1) == t0.adding(milliseconds: 5 * minute))
        #expect(schedule.nextDue(afterFailureAt: t0, postedAt: posted, consecutiveFailures: 5) == t0.adding(milliseconds: 6 * hour))
    }
}

@Suite struct RefreshStateAndPriorityTests {
    @Test func states() {
        let backoff = FailureBackoff()
        func state(_ status: AccountStatus = .connected, external: Bool = true, failures: Int = 0, due: Timestamp? = t0) -> RefreshState {
            .of(accountStatus: status, hasExternalId: external, consecutiveFailures: failures, nextDueAt: due, now: t0, failures: backoff)
        }
        #expect(state() == .due)
        #expect(state(due: t0.adding(milliseconds: 1)) == .ok)
        #expect(state(due: nil) == .ok)
        #expect(state(failures: 5) == .failing)
        #expect(state(failures: 4) == .due)
        #expect(state(.expired) == .paused)
        #expect(state(.needsReconnect, failures: 9) == .paused)
        #expect(state(external: false) == .paused)
    }

    @Test func youngestBandFirstThenTheStalest() {
        let recent = RefreshPriority(bandIndex: 0, lastRefreshedAt: t0)
        let stale = RefreshPriority(bandIndex: 0, lastRefreshedAt: t0.adding(milliseconds: -hour))
        let never = RefreshPriority(bandIndex: 0, lastRefreshedAt: nil)
        let old = RefreshPriority(bandIndex: 2, lastRefreshedAt: t0.adding(days: -3))
        let oldNever = RefreshPriority(bandIndex: 2, lastRefreshedAt: nil)
        #expect([recent, old, stale, oldNever, never].sorted() == [never, stale, recent, oldNever, old])
    }
}
