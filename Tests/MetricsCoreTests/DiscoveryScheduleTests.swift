import MetricsCore
import Testing

@Suite struct DiscoveryScheduleTests {
    let schedule = DiscoverySchedule()
    let hour: Int64 = 3_600_000
    let now = Timestamp(milliseconds: 1_767_225_600_000)
    var windowStart: Timestamp { now.adding(days: -30) }

    @Test func anAccountNeverListedIsDueAtOnceAndReachesToTheWindowsStart() {
        #expect(schedule.isDue(nil, now: now, windowStart: windowStart))
        #expect(schedule.since(nil, windowStart: windowStart) == windowStart)
    }

    @Test func anAccountThatPublishesIsListedHourly() {
        let last = DiscoverySchedule.Listing(at: now.adding(milliseconds: -hour + 1), newestPostedAt: now.adding(days: -3))
        #expect(schedule.nextListing(after: last, windowStart: windowStart) == now.adding(milliseconds: 1))
        #expect(!schedule.isDue(last, now: now, windowStart: windowStart))
        #expect(schedule.isDue(last, now: now.adding(milliseconds: 1), windowStart: windowStart))
    }

    @Test func aDormantAccountIsListedEverySixHours() {
        let never = DiscoverySchedule.Listing(at: now, newestPostedAt: nil)
        #expect(schedule.nextListing(after: never, windowStart: windowStart) == now.adding(milliseconds: 6 * hour))
        // Its newest post is older than the window: dormant too.
        let long = DiscoverySchedule.Listing(at: now, newestPostedAt: windowStart.adding(milliseconds: -1))
        #expect(schedule.nextListing(after: long, windowStart: windowStart) == now.adding(milliseconds: 6 * hour))
        let justIn = DiscoverySchedule.Listing(at: now, newestPostedAt: windowStart)
        #expect(schedule.nextListing(after: justIn, windowStart: windowStart) == now.adding(milliseconds: hour))
    }

    @Test func aListingReachesAnHourBeforeTheLastOneNeverBeforeTheWindow() {
        let last = DiscoverySchedule.Listing(at: now.adding(milliseconds: -hour), newestPostedAt: nil)
        #expect(schedule.since(last, windowStart: windowStart) == now.adding(milliseconds: -2 * hour))
        let ancient = DiscoverySchedule.Listing(at: windowStart, newestPostedAt: nil)
        #expect(schedule.since(ancient, windowStart: windowStart) == windowStart)
    }

    @Test func aFailedListingIsTriedAgainInAnHourReachingBackAsFarAsBefore() {
        let listed = DiscoverySchedule.Listing(at: nil, attemptedAt: now, newestPostedAt: nil)
            .succeeded(at: now.adding(milliseconds: -2 * hour), newest: nil)  // a dormant account, listed 2 h ago
        let failed = listed.failed(at: now)
        #expect(schedule.nextListing(after: failed, windowStart: windowStart) == now.adding(milliseconds: hour))
        #expect(schedule.since(failed, windowStart: windowStart) == now.adding(milliseconds: -3 * hour))
        // Never listed successfully: back to the window's start, an hour after the failure.
        let never = DiscoverySchedule.Listing(at: nil, attemptedAt: now, newestPostedAt: nil)
        #expect(schedule.nextListing(after: never, windowStart: windowStart) == now.adding(milliseconds: hour))
        #expect(schedule.since(never, windowStart: windowStart) == windowStart)
        // A success keeps the newest publication seen.
        let published = failed.succeeded(at: now, newest: now.adding(days: -1)).succeeded(at: now, newest: nil)
        #expect(published.newestPostedAt == now.adding(days: -1))
    }

    @Test func theDormantIntervalIsNeverShorterThanTheInterval() {
        #expect(DiscoverySchedule(interval: 8 * hour, dormantInterval: hour).dormantInterval == 8 * hour)
    }
}
