/// When an account's new posts are listed (post discovery, `--sync-posts`), and how far back a listing reaches.
///
/// The rule, per account:
/// - An account that published in the refresh window is listed every `interval` (an hour): a post it publishes
///   is found within the hour, then refreshed at once (a new post is due when registered).
/// - An account with no post in the window (none known, none found) is listed every `dormantInterval` (6 hours):
///   most of a studio's accounts that go quiet stay quiet, and a listing that finds nothing is a call spent.
/// - A listing reaches back `overlap` (an hour) before the previous successful listing of the account, not to the
///   window's start: one page instead of paging through the window (a TikTok listing of 20 posts a page took two
///   pages for an account with 20 posts in 30 days). The first listing after a start reaches to the window's start.
///
/// Why not list less often than hourly for an account that publishes rarely: a post's publication cannot be
/// predicted from a few earlier ones (their gaps are as irregular as a Poisson process's), so a listing every
/// `I` hours finds 1 % of new posts `0.99 I` hours late whatever the account's rate; an hour's promise needs a
/// listing an hour. What the rate does change is whether an account is dormant.
public struct DiscoverySchedule: Sendable, Hashable {
    public var interval: Int64
    public var dormantInterval: Int64
    public var overlap: Int64

    public init(interval: Int64 = 3_600_000, dormantInterval: Int64 = 6 * 3_600_000, overlap: Int64 = 3_600_000) {
        self.interval = interval
        self.dormantInterval = max(interval, dormantInterval)
        self.overlap = overlap
    }

    /// What discovery remembers of an account: its last successful listing, its last attempt, and the newest
    /// publication time it has seen.
    public struct Listing: Sendable, Hashable {
        /// The last successful listing: where the next one reaches back from. Nil until one succeeded.
        public var at: Timestamp?
        /// The last attempt, successful or not: when the next is due from.
        public var attemptedAt: Timestamp
        public var newestPostedAt: Timestamp?

        public init(at: Timestamp?, attemptedAt: Timestamp? = nil, newestPostedAt: Timestamp?) {
            self.at = at
            self.attemptedAt = attemptedAt ?? at ?? Timestamp(milliseconds: 0)
            self.newestPostedAt = newestPostedAt
        }

        /// After a successful listing at `at` that saw posts published up to `newest`.
        public func succeeded(at: Timestamp, newest: Timestamp?) -> Listing {
            Listing(at: at, attemptedAt: at, newestPostedAt: [newestPostedAt, newest].compactMap { $0 }.max())
        }

        /// After a failed attempt at `at`: the next is tried an interval later, reaching back as far as before.
        public func failed(at: Timestamp) -> Listing {
            Listing(at: self.at, attemptedAt: at, newestPostedAt: newestPostedAt)
        }
    }

    /// When the account is next listed; nil (at once) when it never was since this daemon started. After a failed
    /// attempt, `interval` after it whatever the account (a platform that failed once is asked again in an hour,
    /// not hammered each pass nor left for six).
    public func nextListing(after last: Listing?, windowStart: Timestamp) -> Timestamp? {
        guard let last else { return nil }
        let failed = last.at.map { last.attemptedAt > $0 } ?? true
        let publishes = last.newestPostedAt.map { $0 >= windowStart } ?? false
        return last.attemptedAt.adding(milliseconds: failed || publishes ? interval : dormantInterval)
    }

    /// Whether the account is due for a listing at `now`.
    public func isDue(_ last: Listing?, now: Timestamp, windowStart: Timestamp) -> Bool {
        nextListing(after: last, windowStart: windowStart).map { $0 <= now } ?? true
    }

    /// How far back a listing reaches: `overlap` before the last successful listing (to the window's start when
    /// none succeeded yet), never before the window's start.
    public func since(_ last: Listing?, windowStart: Timestamp) -> Timestamp {
        guard let at = last?.at else { return windowStart }
        return max(windowStart, at.adding(milliseconds: -overlap))
    }
}
