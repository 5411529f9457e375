/// What Meta's usage headers said about how close the app and each account are to being throttled.
///
/// All numbers are integer percentages of the budget (they can exceed 100). Headers may be absent (light use,
/// or TikTok, which documents none); a header that is present but unreadable is named in `malformedHeaders` and
/// otherwise ignored, never failing the call it came with.
public struct PlatformUsage: Sendable, Hashable {
    public var app: AppUsage?
    public var businessUseCase: [BusinessUseCaseUsage]
    public var malformedHeaders: [String]

    public init(app: AppUsage? = nil, businessUseCase: [BusinessUseCaseUsage] = [], malformedHeaders: [String] = []) {
        self.app = app
        self.businessUseCase = businessUseCase
        self.malformedHeaders = malformedHeaders
    }

    /// `X-App-Usage: {"call_count":28,"total_time":25,"total_cputime":25}`.
    public struct AppUsage: Sendable, Hashable {
        public var callCount: Int
        public var totalTime: Int
        public var totalCPUTime: Int

        public init(callCount: Int, totalTime: Int, totalCPUTime: Int) {
            self.callCount = callCount
            self.totalTime = totalTime
            self.totalCPUTime = totalCPUTime
        }

        public var highestPercent: Int { max(callCount, totalTime, totalCPUTime) }
    }

    /// One entry of `X-Business-Use-Case-Usage`, for one business object (an Instagram account, a Page).
    public struct BusinessUseCaseUsage: Sendable, Hashable {
        public var objectID: String
        /// instagram, pages, ads_insights, ads_management, custom_audience, leadgen, messenger.
        public var type: String
        public var callCount: Int
        public var totalTime: Int
        public var totalCPUTime: Int
        /// Minutes until the object is usable again; 0 or nil when it is not throttled.
        public var estimatedMinutesToRegainAccess: Int?

        public init(
            objectID: String, type: String, callCount: Int, totalTime: Int, totalCPUTime: Int,
            estimatedMinutesToRegainAccess: Int?
        ) {
            self.objectID = objectID
            self.type = type
            self.callCount = callCount
            self.totalTime = totalTime
            self.totalCPUTime = totalCPUTime
            self.estimatedMinutesToRegainAccess = estimatedMinutesToRegainAccess
        }

        public var highestPercent: Int { max(callCount, totalTime, totalCPUTime) }
    }

    /// The highest percentage any header reported, for "pause above 90-95 %" policies.
    public var highestPercent: Int? {
        let values = (app.map { [$0.highestPercent] } ?? []) + businessUseCase.map(\.highestPercent)
        return values.max()
    }

    /// Seconds until `objectID` (or, when nil, every throttled object) regains access, from the header's minutes.
    public func regainAccessSeconds(for objectID: String? = nil) -> Int? {
        let entries = objectID.map { id in businessUseCase.filter { $0.objectID == id } } ?? businessUseCase
        let minutes = entries.compactMap(\.estimatedMinutesToRegainAccess).filter { $0 > 0 }.max()
        return minutes.map { $0 * 60 }
    }
}
