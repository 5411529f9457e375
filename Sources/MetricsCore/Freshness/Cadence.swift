/// How often a post in the refresh window is refreshed, by its age: the ladder of age bands, or one fixed interval
/// for every post (the sweep metricsd started with).
///
/// The default ladder (`--cadence`, the standard one): younger than 24 h every hour; 1–7 days every 6 hours;
/// 7 days to the window's end (30 days) daily; a window longer than 30 days (`--window-days`) adds weekly
/// refreshes past day 30. A post outside the window is never refreshed.
public struct Cadence: Sendable, Hashable {
    /// One rung of the ladder: posts aged `[minimumAge, maximumAge)` are refreshed every `interval` (ms).
    public struct Band: Sendable, Hashable {
        public var minimumAge: Int64
        public var maximumAge: Int64
        public var interval: Int64

        public init(minimumAge: Int64, maximumAge: Int64, interval: Int64) {
            self.minimumAge = minimumAge
            self.maximumAge = maximumAge
            self.interval = interval
        }

        /// `<1d`, `1d-7d`, `7d-30d`: how the freshness report names the band.
        public var name: String {
            minimumAge == 0 ? "<\(DurationText.format(maximumAge))"
                : "\(DurationText.format(minimumAge))-\(DurationText.format(maximumAge))"
        }
    }

    /// Contiguous from age 0 to the window's end, youngest first.
    public let bands: [Band]
    /// One interval for all: no velocity, the old sweep.
    public let isFixed: Bool

    public static let hour: Int64 = 3_600_000
    public static let day: Int64 = 86_400_000

    /// The standard ladder for a window of `windowDays`.
    public static func standard(windowDays: Int) -> Cadence {
        ladder([(day, hour), (7 * day, 6 * hour), (30 * day, day), (Int64.max, 7 * day)], windowDays: windowDays)
    }

    /// Every post in the window every `interval` ms.
    public static func fixed(interval: Int64, windowDays: Int) -> Cadence {
        Cadence(bands: [Band(minimumAge: 0, maximumAge: Int64(windowDays) * day, interval: interval)], isFixed: true)
    }

    /// Rungs given as (younger than, interval), ascending; cut at the window's end. The last rung also covers any
    /// ages between its bound and the window's end.
    public static func ladder(_ rungs: [(youngerThan: Int64, interval: Int64)], windowDays: Int) -> Cadence {
        let window = Int64(windowDays) * day
        var bands: [Band] = []
        var lower: Int64 = 0
        for (index, rung) in rungs.enumerated() where lower < window {
            let isLast = index == rungs.count - 1
            let upper = isLast ? window : min(rung.youngerThan, window)
            bands.append(Band(minimumAge: lower, maximumAge: upper, interval: rung.interval))
            lower = upper
        }
        if lower < window, var last = bands.popLast() {
            last.maximumAge = window
            bands.append(last)
        }
        return Cadence(bands: bands, isFixed: false)
    }

    init(bands: [Band], isFixed: Bool) {
        self.bands = bands
        self.isFixed = isFixed
    }

    /// Where the refresh window ends, as an age.
    public var windowEnd: Int64 { bands.last?.maximumAge ?? 0 }

    /// The band of a post of this age (ms since it was posted), with its index (0 = youngest); nil outside the
    /// window. A post not yet published (negative age) counts as just published.
    public func band(forAge age: Int64) -> (index: Int, band: Band)? {
        let age = max(0, age)
        for (index, band) in bands.enumerated() where age < band.maximumAge {
            return (index, band)
        }
        return nil
    }

    // MARK: The flag

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `--cadence`: `standard`, `fixed:SECONDS`, or a ladder `AGE=INTERVAL,…` ("younger than AGE: every
    /// INTERVAL", ascending ages) such as `1d=1h,7d=6h,30d=1d`, with durations like `90s`, `15m`, `6h`, `7d`.
    public static func parse(_ text: String, windowDays: Int) throws(ParseError) -> Cadence {
        if text == "standard" { return standard(windowDays: windowDays) }
        if text.hasPrefix("fixed:") {
            guard let seconds = Int64(text.dropFirst("fixed:".count)), seconds >= 1 else {
                throw ParseError(description: "--cadence \(text): fixed:SECONDS takes a whole number of seconds, at least 1")
            }
            return fixed(interval: seconds * 1000, windowDays: windowDays)
        }
        var rungs: [(Int64, Int64)] = []
        for part in text.split(separator: ",") {
            let sides = part.split(separator: "=")
            guard sides.count == 2, let age = DurationText.parse(sides[0]), let interval = DurationText.parse(sides[1]),
                  age > 0, interval > 0
            else {
                throw ParseError(description:
                    "--cadence \(text): expected standard, fixed:SECONDS, or AGE=INTERVAL,… such as 1d=1h,7d=6h,30d=1d (\(part) is not AGE=INTERVAL)")
            }
            guard rungs.last.map({ $0.0 < age }) ?? true else {
                throw ParseError(description: "--cadence \(text): ages must ascend (\(sides[0]) after \(DurationText.format(rungs.last!.0)))")
            }
            rungs.append((age, interval))
        }
        guard !rungs.isEmpty else { throw ParseError(description: "--cadence: empty") }
        return ladder(rungs, windowDays: windowDays)
    }
}

/// Durations as people type them: `90s`, `15m`, `6h`, `7d` (a bare number is seconds).
public enum DurationText {
    public static func parse(_ text: some StringProtocol) -> Int64? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        if let unit = units[last] {
            return Int64(text.dropLast()).flatMap { $0 >= 0 ? $0 * unit : nil }
        }
        return Int64(text).flatMap { $0 >= 0 ? $0 * 1000 : nil }
    }

    /// The largest whole unit: `86400000` → `1d`, `5400000` → `90m`.
    public static func format(_ milliseconds: Int64) -> String {
        for (unit, suffix) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
        where milliseconds % unit == 0 && milliseconds >= unit {
            return "\(milliseconds / unit)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
