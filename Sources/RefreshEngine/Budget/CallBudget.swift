/// How many calls the planner may spend on an account, and on a platform, in the coming hour.
///
/// The hourly limit is what metricsd knows of the platform's: the calls its own buckets allow (the lower of the
/// account's and the platform's rate, × 3,600), or less when the usage headers show the platform's budget is
/// smaller: calls made in the last hour ÷ the share of the budget they used (60 calls at 30 % → 200). Usage under
/// 5 % is too coarse to extrapolate (an integer percentage) and is ignored.
///
/// The planner plans at most `share` of the limit (`--budget-share`, default 0.5), counting every call of the last
/// hour, planned or on demand: the rest is headroom for `refreshAll`/`refreshWorkspace` and for other services
/// using the same tokens.
public struct CallBudget: Sendable, Hashable {
    public var share: Double

    public init(share: Double = 0.5) {
        self.share = share
    }

    public static let minimumUsablePercent = 5

    public static func hourlyLimit(perSecond: Double, usagePercent: Int?, callsLastHour: Int) -> Int {
        let byRate = Int((perSecond * 3600).rounded(.down))
        guard let usagePercent, usagePercent >= minimumUsablePercent, callsLastHour > 0 else { return byRate }
        return min(byRate, callsLastHour * 100 / usagePercent)
    }

    /// Calls the planner may still spend this hour.
    public func plannable(hourlyLimit: Int, callsLastHour: Int) -> Int {
        max(0, Int((share * Double(hourlyLimit)).rounded(.down)) - callsLastHour)
    }

    /// What an account (or a platform) stands at.
    public struct Standing: Sendable, Hashable {
        public var callsLastHour: Int
        public var hourlyLimit: Int
        /// The planner's share of `hourlyLimit`.
        public var budget: Int
        /// What the planner may still spend this hour.
        public var remaining: Int

        public init(callsLastHour: Int, hourlyLimit: Int, budget: Int, remaining: Int) {
            self.callsLastHour = callsLastHour
            self.hourlyLimit = hourlyLimit
            self.budget = budget
            self.remaining = remaining
        }
    }

    public func standing(hourlyLimit: Int, callsLastHour: Int) -> Standing {
        let budget = Int((share * Double(hourlyLimit)).rounded(.down))
        return Standing(
            callsLastHour: callsLastHour, hourlyLimit: hourlyLimit, budget: budget, remaining: max(0, budget - callsLastHour))
    }
}
