import MetricsCore
import PlatformClients
import RefreshEngine
import StorageContract
import Testing

/// A member's share of a cluster's work, and what it does to the limiter: pure values at exact timestamps.
@Suite struct ClusterShareTests {
    let t0 = Timestamp(milliseconds: 1_767_225_600_000)

    func at(_ offset: Int64) -> Timestamp { t0.adding(milliseconds: offset) }

    func view(members: Int, accounts: Int, held: [String]) -> ClusterView {
        ClusterView(liveMembers: members, connectedAccounts: accounts, held: Set(held))
    }

    @Test func eachMemberClaimsUpToAnEvenShare() {
        // 10 accounts, 3 members: ⌈10/3⌉ = 4 each (the last member's share is what is left).
        #expect(ClusterShare(view: view(members: 3, accounts: 10, held: []), busy: []).claim == 4)
        #expect(ClusterShare(view: view(members: 3, accounts: 10, held: ["a", "b", "c"]), busy: []).claim == 1)
        #expect(ClusterShare(view: view(members: 3, accounts: 10, held: ["a", "b", "c", "d"]), busy: []).claim == 0)
        // Alone, everything.
        #expect(ClusterShare(view: view(members: 1, accounts: 10, held: []), busy: []).claim == 10)
        // No members recorded yet (the first tick's own row not counted): as if alone.
        #expect(ClusterShare(view: view(members: 0, accounts: 2, held: []), busy: []).claim == 2)
    }

    @Test func aMemberGivesBackWhatIsOverItsShareButNeverWhatARunIsWorkingOn() {
        let all = (0..<10).map { "acc\($0)" }
        // A second member joined: the share drops from 10 to 5; five go back, the idle ones, in a stable order.
        let share = ClusterShare(view: view(members: 2, accounts: 10, held: all), busy: ["acc0", "acc1"])
        #expect(share.release == ["acc2", "acc3", "acc4", "acc5", "acc6"])
        #expect(share.claim == 0)
        // One over the share is tolerated: members whose shares differ by one do not trade an account every tick.
        #expect(ClusterShare(view: view(members: 2, accounts: 9, held: Array(all.prefix(6))), busy: []).release == [])
        // Everything busy: nothing goes back now; a later tick will.
        #expect(ClusterShare(view: view(members: 2, accounts: 10, held: all), busy: Set(all)).release == [])
    }

    func view(members: Int, accounts: Int, held: Int, fewest: Int) -> ClusterView {
        ClusterView(
            liveMembers: members, connectedAccounts: accounts, held: Set((0..<held).map { "acc\($0)" }), fewestHeld: fewest)
    }

    @Test func aMemberShortOfTheFloorGetsItsShareFromTheOthers() {
        // 3 accounts, 3 members, held 2/1/0: the one with two gives one back, and nobody claims over one meanwhile.
        #expect(ClusterShare(view: view(members: 3, accounts: 3, held: 2, fewest: 0), busy: []).release == ["acc0"])
        #expect(ClusterShare(view: view(members: 3, accounts: 3, held: 1, fewest: 0), busy: []).claim == 0)
        #expect(ClusterShare(view: view(members: 3, accounts: 3, held: 0, fewest: 0), busy: []).claim == 1)
        // 4 accounts, 3 members, held 2/2/0: both give down to ⌊4/3⌋ = 1; the third claims one; then, nobody short,
        // the free one goes to whoever claims first (up to ⌈4/3⌉ = 2), and 2/1/1 stays.
        #expect(ClusterShare(view: view(members: 3, accounts: 4, held: 2, fewest: 0), busy: []).release.count == 1)
        #expect(ClusterShare(view: view(members: 3, accounts: 4, held: 0, fewest: 0), busy: []).claim == 1)
        #expect(ClusterShare(view: view(members: 3, accounts: 4, held: 1, fewest: 1), busy: []).claim == 1)
        let settled = ClusterShare(view: view(members: 3, accounts: 4, held: 2, fewest: 1), busy: [])
        #expect(settled.release == [] && settled.claim == 0)
        // Nobody short: over the ceiling goes back, down to it.
        #expect(ClusterShare(view: view(members: 3, accounts: 5, held: 3, fewest: 1), busy: []).release == ["acc0"])
        // Fewer accounts than members: the floor is 0, so nobody is short; two on one member of three: one goes back.
        #expect(ClusterShare(view: view(members: 3, accounts: 2, held: 2, fewest: 0), busy: []).release == ["acc0"])
        // Busy accounts stay even then.
        #expect(ClusterShare(view: view(members: 3, accounts: 3, held: 2, fewest: 0), busy: ["acc0", "acc1"]).release == [])
    }

    @Test func eachPlatformsAppBudgetFollowsTheShareOfItsAccountsHeld() {
        // 10 Instagram accounts, 3 held here; 4 TikTok accounts, all held here; no Facebook Page connected.
        let held = Dictionary(
            uniqueKeysWithValues: ["i0", "i1", "i2"].map { ($0, Platform.instagram) } + ["t0", "t1", "t2", "t3"].map { ($0, Platform.tiktok) })
        let fractions = ClusterShare.appFractions(held: held, connected: [.instagram: 10, .tiktok: 4], members: 3)
        let expected: [Platform: Double] = [.instagram: 0.3, .tiktok: 1, .facebook: 1.0 / 3]
        #expect(fractions == expected)
        // What the three members' shares of a platform add up to is its whole budget, never more.
        let others = ClusterShare.appFractions(
            held: Dictionary(uniqueKeysWithValues: (3..<10).map { ("i\($0)", Platform.instagram) }), connected: [.instagram: 10, .tiktok: 4],
            members: 3)
        #expect(fractions[.instagram]! + others[.instagram]! == 1)
        // A platform it holds none of: one account's worth, nominal (it makes no call of it); a bucket never gets 0.
        #expect(others[.tiktok] == 0.25)
        // A store that cannot say by platform: ÷ members, as before.
        let third: Double = 1.0 / 3
        let even: [Platform: Double] = [.instagram: third, .facebook: third, .tiktok: third]
        #expect(ClusterShare.appFractions(held: [:], connected: [:], members: 3) == even)
        #expect(ClusterShare.appFractions(held: [:], connected: [:], members: 1)[.instagram] == 1)
    }

    /// Instagram's app at 12 calls/s, burst 4; accounts unlimited so only the app bucket decides.
    func limiter() -> CallLimiter {
        var configuration = RefreshConfiguration()
        configuration.platformRates[.instagram] = .init(perSecond: 12, burst: 4)
        configuration.accountRates[.instagram] = .init(perSecond: 1000, burst: 1000)
        return CallLimiter(configuration: configuration)
    }

    @Test func aQuarterOfTheAppRateAndBurstForEachOfFourMembers() {
        var alone = limiter()
        // Alone: a burst of 4 at once, then one every 83⅓ ms.
        #expect((0..<5).map { _ in alone.reserve(platform: .instagram, accountId: "a", now: t0) } == [t0, t0, t0, t0, at(84)])

        var member = limiter()
        member.share(appFractions: [.instagram: 1.0 / 4])
        // A quarter: 3/s with a burst of 1 (each slot a third of a second after the previous, rounded up to the ms), so
        // four members together never exceed the app's 12/s and burst 4.
        #expect((0..<3).map { _ in member.reserve(platform: .instagram, accountId: "a", now: t0) } == [t0, at(334), at(668)])
    }

    @Test func aShareChangeKeepsTheQueueAndPacesWhatFollows() {
        var member = limiter()
        member.share(appFractions: [.instagram: 1.0 / 4])
        #expect(member.reserve(platform: .instagram, accountId: "a", now: t0) == t0)
        // The three others leave: the whole budget again, from the slot already taken.
        member.share(appFractions: [.instagram: 1])
        #expect(member.reserve(platform: .instagram, accountId: "a", now: t0) == at(84))
    }

    @Test func theHourlyBudgetIsTheMembersShareOfTheApps() {
        var member = limiter()
        #expect(member.standing(platform: .instagram, now: t0, budget: CallBudget(share: 0.5)).hourlyLimit == 12 * 3600)
        member.share(appFractions: [.instagram: 1.0 / 4])
        #expect(member.standing(platform: .instagram, now: t0, budget: CallBudget(share: 0.5)).hourlyLimit == 3 * 3600)
    }

    @Test func anAppPauseStartedHereIsHandedToTheClusterOnceAndOnesFromOthersAreHeldNotEchoed() {
        var member = limiter()
        member.rateLimited(scope: .app, retryAfterSeconds: 60, platform: .instagram, accountId: "a", now: t0)
        #expect(member.takeUnsharedAppPauses() == [.instagram: at(60_000)])
        #expect(member.takeUnsharedAppPauses() == [:])
        // An account's pause is its own: the account's holder is the only one calling it.
        member.rateLimited(scope: .account, retryAfterSeconds: 60, platform: .instagram, accountId: "a", now: t0)
        #expect(member.takeUnsharedAppPauses() == [:])

        var other = limiter()
        other.applySharedPause(platform: .instagram, until: at(60_000))
        #expect(other.reserve(platform: .instagram, accountId: "b", now: t0) == at(60_000))
        #expect(other.takeUnsharedAppPauses() == [:])
    }
}
