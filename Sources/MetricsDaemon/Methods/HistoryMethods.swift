import JSONRPC
import MetricsCore
import MetricsStore

/// The reads that answer questions about history: `deltas`, `series`, `topPosts`, `anomalies`, `bestTimes`,
/// `export`. Each rule is written in its method's description in Schemas/openrpc.json; the arithmetic is in
/// MetricsCore (`MetricChange`, `EngagementRate`, `RobustScore`, `LocalCalendar`), the reads in the store.
/// They run as tasks: a workspace's worth of seeks is milliseconds, not the microseconds an event loop lends.
enum HistoryMethods {
    static let maximumPageSize: Int64 = 1000
    static let maximumPostIds = 1000
    static let maximumSeriesDays: Int64 = 800
    static let day: Int64 = 86_400_000

    static func all(store: any MetricsStorage, clock: any WallClock, access: AccessControl) -> [RPCMethod] {
        [
            .task("deltas", parameters: ["postIds", "workspaceId", "platform", "period", "limit", "cursor"]) { fields, context in
                try await deltas(fields, store: store, caller: access.caller("deltas", context))
            },
            .task("series", parameters: ["postIds", "workspaceId", "platform", "metric", "interval", "since", "until"]) { fields, context in
                try await series(fields, store: store, caller: access.caller("series", context))
            },
            .task("topPosts", parameters: ["workspaceId", "metric", "by", "since", "until", "platform", "limit"]) { fields, context in
                try await topPosts(fields, store: store, now: clock.now, caller: access.caller("topPosts", context))
            },
            .task("anomalies", parameters: ["workspaceId", "since", "metric"]) { fields, context in
                try await anomalies(fields, store: store, now: clock.now, caller: access.caller("anomalies", context))
            },
            .task("bestTimes", parameters: ["workspaceId", "platform", "metric"]) { fields, context in
                try await bestTimes(fields, store: store, caller: access.caller("bestTimes", context))
            },
            .task("export", parameters: ["workspaceId", "since", "until", "format", "of", "limit", "cursor"]) { fields, context in
                try await export(fields, store: store, caller: access.caller("export", context))
            },
        ]
    }

    /// The posts a call covers, checked against the caller's workspaces.
    static func posts(_ fields: Fields, workspaceOnly: [String], caller: Caller, store: any MetricsStorage) async throws -> Posts {
        let posts = try posts(fields, workspaceOnly: workspaceOnly)
        switch posts {
        case .ids(let ids): try await caller.requireVisible(posts: ids, store: store, parameter: ItemsParameter(name: "postIds", itemsAreIds: true))
        case .workspace(let id, _): try caller.require(workspace: id)
        }
        return posts
    }

    /// `workspaceId`, checked against the caller's workspaces.
    static func workspace(_ fields: Fields, caller: Caller) throws -> String {
        let id = try WireFormat.id(fields, "workspaceId")
        try caller.require(workspace: id)
        return id
    }

    // MARK: Params both forms share

    /// `postIds`, or `workspaceId` with `platform` (and paging where the method pages).
    enum Posts {
        case ids([String])
        case workspace(String, Platform?)
    }

    static func posts(_ fields: Fields, workspaceOnly: [String]) throws(RPCError) -> Posts {
        if fields.has("postIds") {
            for other in ["workspaceId", "platform"] + workspaceOnly where fields.has(other) {
                throw .invalidParams(field: other, reason: "give either postIds, or workspaceId (with platform\(workspaceOnly.isEmpty ? "" : ", " + workspaceOnly.joined(separator: ", "))), not both")
            }
            return .ids(try fields.strings("postIds", maxCount: maximumPostIds, maxLength: WireFormat.maximumIDLength))
        }
        guard fields.has("workspaceId") else {
            throw .invalidParams(field: "postIds", reason: "required: give postIds, or workspaceId")
        }
        return .workspace(try WireFormat.id(fields, "workspaceId"), try fields.optionalEnum("platform", Platform.self))
    }

    static func metric(_ fields: Fields, default fallback: HistoryMetric?, allowRate: Bool) throws(RPCError) -> HistoryMetric {
        let accepted = allowRate ? HistoryMetric.allCases : HistoryMetric.counters
        guard let raw = try fields.optionalString("metric") else {
            guard let fallback else {
                throw .invalidParams(field: "metric", reason: "required, expected one of \(accepted.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            return fallback
        }
        guard let metric = HistoryMetric(rawValue: raw), accepted.contains(metric) else {
            throw .invalidParams(
                field: "metric", reason: "expected one of \(accepted.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(raw)\"")
        }
        return metric
    }

    static func number(_ value: Double?) -> JSON {
        value.flatMap { JSONNumber($0) }.map(JSON.number) ?? .null
    }

    static func reading(_ capturedAt: Timestamp?, _ values: MetricValues) -> JSON {
        guard let capturedAt else { return .null }
        return WireFormat.point(capturedAt: capturedAt, values: values)
    }

    // MARK: deltas

    enum Period: String, CaseIterable {
        case day, week

        var milliseconds: Int64 { self == .day ? HistoryMethods.day : 7 * HistoryMethods.day }
    }

    static func deltas(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let period = try fields.requiredEnum("period", Period.self)
        let now: [MetricsStore.PostReading]
        var nextCursor: String?
        switch try await posts(fields, workspaceOnly: ["limit", "cursor"], caller: caller, store: store) {
        case .ids(let ids):
            now = try await ItemsParameter(name: "postIds", itemsAreIds: true).locating {
                try await store.readings(postIds: ids, at: .latest)
            }
        case .workspace(let id, let platform):
            let page = try await store.readings(
                workspaceId: id, platform: platform, at: .latest,
                limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100), cursor: try fields.optionalString("cursor"))
            now = page.readings
            nextCursor = page.nextCursor
        }
        // Each post's "before" at its own latest capture minus the period, all in one read.
        let asked = now.compactMap { reading in
            reading.capturedAt.map { (reading.postId, MetricsStore.ReadingBound.atOrBefore($0.adding(milliseconds: -period.milliseconds))) }
        }
        let befores = try await store.readings(postIds: asked.map(\.0), at: asked.map(\.1))
        let beforeOf = Dictionary(zip(asked.map(\.0), befores), uniquingKeysWith: { first, _ in first })
        var entries: [JSON] = []
        for reading in now {
            let before = reading.capturedAt == nil ? nil : beforeOf[reading.postId]
            var changes = JSONObject()
            for name in MetricValues.names {
                let change = MetricChange(
                    now: reading.capturedAt == nil ? nil : reading.values[name],
                    before: before?.capturedAt == nil ? nil : before?.values[name])
                changes.append(name, ["change": .int(change.change), "changePercent": number(change.changePercent)])
            }
            entries.append([
                "postId": .string(reading.postId),
                "platform": .string(reading.platform.rawValue),
                "now": Self.reading(reading.capturedAt, reading.values),
                "before": before.map { Self.reading($0.capturedAt, $0.values) } ?? .null,
                "changes": .object(changes),
            ])
        }
        return ["period": .string(period.rawValue), "deltas": .array(entries), "nextCursor": .string(nextCursor)]
    }

    // MARK: series

    enum Interval: String, CaseIterable {
        case day, week

        /// The bucket (its first local day) a local day falls in.
        func bucket(_ day: Int64) -> Int64 { self == .day ? day : LocalCalendar.weekStart(ofDay: day) }
        var length: Int64 { self == .day ? 1 : 7 }
    }

    static func series(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let metric = try metric(fields, default: nil, allowRate: false)
        let interval = try fields.requiredEnum("interval", Interval.self)
        let since = try WireFormat.timestamp(fields, "since")
        let until = try WireFormat.timestamp(fields, "until")
        guard since <= until else { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }
        guard until.milliseconds(since: since) <= maximumSeriesDays * day else {
            throw RPCError.invalidParams(field: "until", reason: "at most \(maximumSeriesDays) days after since")
        }
        switch try await posts(fields, workspaceOnly: [], caller: caller, store: store) {
        case .ids(let ids):
            let calendars = try await ItemsParameter(name: "postIds", itemsAreIds: true).locating { try await store.calendars(postIds: ids) }
            var series: [JSON] = []
            for (id, calendar) in zip(ids, calendars) {
                let days = bucketDays(calendar: calendar, since: since, until: until, interval: interval)
                let points = try await store.dayPoints(postIds: [id], days: days)
                var last: [Int64: Int64?] = [:]
                for point in points { last[interval.bucket(point.day)] = point.values[metric.rawValue] }
                series.append([
                    "postId": .string(id), "timeZone": .string(calendar.identifier),
                    "points": .array(buckets(days, interval: interval, calendar: calendar) { last[$0] ?? nil }),
                ])
            }
            return ["metric": .string(metric.rawValue), "interval": .string(interval.rawValue), "series": .array(series)]
        case .workspace(let id, let platform):
            let calendar = try await store.calendar(workspaceId: id)
            let days = bucketDays(calendar: calendar, since: since, until: until, interval: interval)
            var sums: [Int64: Int64?] = [:]
            if interval == .day {
                for total in try await store.dailyTotals(workspaceId: id, platform: platform, days: days) {
                    sums[total.day] = total.values[metric.rawValue]
                }
            } else {
                // Per post, the last value in each week; then summed over the posts that reported one.
                var lastOfPost: [String: [Int64: (day: Int64, value: Int64?)]] = [:]
                for point in try await store.dayPoints(workspaceId: id, platform: platform, days: days) {
                    lastOfPost[point.postId, default: [:]][interval.bucket(point.day)] = (point.day, point.values[metric.rawValue])
                }
                for weeks in lastOfPost.values {
                    for (week, last) in weeks {
                        guard let value = last.value else { continue }
                        sums[week] = (sums[week] ?? nil).map { $0.saturatingAdding(value) } ?? value
                    }
                }
            }
            return [
                "metric": .string(metric.rawValue), "interval": .string(interval.rawValue), "workspaceId": .string(id),
                "platform": .string(platform?.rawValue), "timeZone": .string(calendar.identifier),
                "points": .array(buckets(days, interval: interval, calendar: calendar) { sums[$0] ?? nil }),
            ]
        }
    }

    /// The local days the buckets from `since` to `until` span (whole weeks for `week`).
    static func bucketDays(calendar: LocalCalendar, since: Timestamp, until: Timestamp, interval: Interval) -> ClosedRange<Int64> {
        let first = interval.bucket(calendar.day(of: since))
        let last = interval.bucket(calendar.day(of: until)) + interval.length - 1
        return first...last
    }

    /// One point per bucket: its value, and its increase over the previous bucket (null for the first, or when
    /// either is null).
    static func buckets(_ days: ClosedRange<Int64>, interval: Interval, calendar: LocalCalendar, value: (Int64) -> Int64?) -> [JSON] {
        var points: [JSON] = []
        var previous: Int64??
        for bucket in stride(from: days.lowerBound, through: days.upperBound, by: Int(interval.length)) {
            let current = value(bucket)
            let increase: Int64? = if let current, case .some(let before?) = previous { current - before } else { nil }
            points.append([
                "bucket": .string(LocalCalendar.iso8601(day: bucket)),
                "start": .string(calendar.start(ofDay: bucket).iso8601),
                "value": .int(current),
                "increase": .int(increase),
            ])
            previous = .some(current)
        }
        return points
    }

    // MARK: topPosts

    enum Ranking: String, CaseIterable {
        case value, increase
    }

    static func topPosts(_ fields: Fields, store: any MetricsStorage, now: Timestamp, caller: Caller) async throws -> JSON {
        let workspaceId = try workspace(fields, caller: caller)
        let metric = try metric(fields, default: nil, allowRate: true)
        let by = try fields.requiredEnum("by", Ranking.self)
        let platform = try fields.optionalEnum("platform", Platform.self)
        let limit = Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 10)
        let until = try WireFormat.optionalTimestamp(fields, "until")
        let since = try WireFormat.optionalTimestamp(fields, "since")
        if let since, let until, until < since { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }

        var ranked: [(postId: String, platform: Platform, postedAt: Timestamp, value: Double, from: Double?, to: Double?)] = []
        switch by {
        case .value:
            let readings = try await store.readings(
                workspaceId: workspaceId, platform: platform, at: until.map(MetricsStore.ReadingBound.atOrBefore) ?? .latest).readings
            for reading in readings {
                guard reading.capturedAt != nil, let value = metric.value(of: reading.values) else { continue }
                ranked.append((reading.postId, reading.platform, reading.postedAt, value, nil, nil))
            }
        case .increase:
            let end = until ?? now
            let start = since ?? end.adding(milliseconds: -7 * day)
            let ends = try await store.readings(workspaceId: workspaceId, platform: platform, at: .atOrBefore(end)).readings
            let starts = Dictionary(
                try await store.readings(workspaceId: workspaceId, platform: platform, at: .atOrBefore(start)).readings.map { ($0.postId, $0) },
                uniquingKeysWith: { first, _ in first })
            for reading in ends {
                guard reading.capturedAt != nil, let to = metric.value(of: reading.values) else { continue }
                // No point at or before `since`: the post started from nothing.
                let from = starts[reading.postId].flatMap { $0.capturedAt == nil ? nil : metric.value(of: $0.values) } ?? 0
                ranked.append((reading.postId, reading.platform, reading.postedAt, to - from, from, to))
            }
        }
        ranked.sort { $0.value != $1.value ? $0.value > $1.value : $0.postId < $1.postId }
        let posts: [JSON] = ranked.prefix(limit).enumerated().map { index, entry in
            [
                "rank": .int(index + 1), "postId": .string(entry.postId), "platform": .string(entry.platform.rawValue),
                "postedAt": .string(entry.postedAt.iso8601), "value": number(entry.value), "from": number(entry.from),
                "to": number(entry.to),
            ]
        }
        let end = by == .increase ? until ?? now : until
        return [
            "metric": .string(metric.rawValue), "by": .string(by.rawValue),
            "since": by == .increase ? .string((since ?? (until ?? now).adding(milliseconds: -7 * day)).iso8601) : .null,
            "until": WireFormat.timestamp(end), "posts": .array(posts),
        ]
    }

    // MARK: anomalies

    static func anomalies(_ fields: Fields, store: any MetricsStorage, now: Timestamp, caller: Caller) async throws -> JSON {
        let workspaceId = try workspace(fields, caller: caller)
        let metric = try metric(fields, default: .views, allowRate: false)
        let since = try WireFormat.optionalTimestamp(fields, "since") ?? now.adding(milliseconds: -2 * day)
        let calendar = try await store.calendar(workspaceId: workspaceId)
        let firstDay = calendar.day(of: since)
        // A `since` after today finds no day, not a reversed range.
        let points = try await store.dayPoints(
            workspaceId: workspaceId, platform: nil, days: (firstDay - 1)...max(firstDay - 1, calendar.day(of: now)))
        // Per post: the latest day at or after `since` with a point, and the day before it.
        struct Increase {
            var postId: String
            var platform: Platform
            var ageDays: Int64
            var day: Int64
            var value: Double
        }
        var byPost: [String: [MetricsStore.DayPoint]] = [:]
        for point in points { byPost[point.postId, default: []].append(point) }
        var increases: [Increase] = []
        for (postId, days) in byPost {
            guard let last = days.last, last.day >= firstDay,
                  let previous = days.last(where: { $0.day == last.day - 1 }),
                  let now = last.values[metric.rawValue], let before = previous.values[metric.rawValue]
            else { continue }
            let age = last.capturedAt.milliseconds(since: last.postedAt) / day
            increases.append(Increase(postId: postId, platform: last.platform, ageDays: age, day: last.day, value: Double(now - before)))
        }
        var groups: [String: [Increase]] = [:]
        for increase in increases { groups["\(increase.platform.rawValue):\(increase.ageDays)", default: []].append(increase) }
        var found: [(Increase, RobustScore, Double)] = []
        var skippedGroups = 0
        var skippedPosts = 0
        var scoredGroups = 0
        for group in groups.values {
            guard group.count >= RobustScore.minimumGroup else {
                skippedGroups += 1
                skippedPosts += group.count
                continue
            }
            scoredGroups += 1
            let score = RobustScore(group.map(\.value))
            for increase in group where score.isUnusual(increase.value) {
                found.append((increase, score, score.score(increase.value)))
            }
        }
        found.sort { abs($0.2) != abs($1.2) ? abs($0.2) > abs($1.2) : $0.0.postId < $1.0.postId }
        return [
            "metric": .string(metric.rawValue), "since": .string(since.iso8601), "timeZone": .string(calendar.identifier),
            "anomalies": .array(found.map { increase, score, value in
                [
                    "postId": .string(increase.postId), "platform": .string(increase.platform.rawValue),
                    "ageDays": .int(increase.ageDays), "day": .string(LocalCalendar.iso8601(day: increase.day)),
                    "expected": number(score.median), "actual": number(increase.value), "score": number(value),
                ]
            }),
            "groupsScored": .int(scoredGroups), "groupsSkipped": .int(skippedGroups), "postsSkipped": .int(skippedPosts),
        ]
    }

    // MARK: bestTimes

    static func bestTimes(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let workspaceId = try workspace(fields, caller: caller)
        let platform = try fields.optionalEnum("platform", Platform.self)
        let metric = try metric(fields, default: .engagementRate, allowRate: true)
        let calendar = try await store.calendar(workspaceId: workspaceId)
        let readings = try await store.readings(workspaceId: workspaceId, platform: platform, at: .atAge(7 * day)).readings
        var slots = [[Double]](repeating: [], count: 168)
        for reading in readings {
            guard reading.capturedAt != nil, let value = metric.value(of: reading.values) else { continue }
            slots[calendar.hourOfWeek(of: reading.postedAt)].append(value)
        }
        let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        func cell(_ slot: Int) -> JSON {
            let values = slots[slot]
            return [
                "weekday": .string(weekdays[slot / 24]), "hour": .int(slot % 24), "posts": .int(values.count),
                "median": values.count >= 2 ? number(RobustScore.median(values)) : .null,
            ]
        }
        let best = (0..<168).filter { slots[$0].count >= 2 }
            .sorted { RobustScore.median(slots[$0]) != RobustScore.median(slots[$1]) ? RobustScore.median(slots[$0]) > RobustScore.median(slots[$1]) : $0 < $1 }
            .prefix(5)
        return [
            "metric": .string(metric.rawValue), "timeZone": .string(calendar.identifier),
            "best": .array(best.map(cell)), "grid": .array((0..<168).map(cell)),
        ]
    }

    // MARK: export

    enum Format: String, CaseIterable {
        case ndjson, csv
    }

    static func export(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let workspaceId = try workspace(fields, caller: caller)
        let format = try fields.requiredEnum("format", Format.self)
        let source = try fields.optionalEnum("of", MetricsStore.ExportSource.self) ?? .snapshots
        let since = try WireFormat.optionalTimestamp(fields, "since")
        let until = try WireFormat.optionalTimestamp(fields, "until")
        if let since, let until, until < since { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }
        let cursor = try fields.optionalString("cursor")
        let page = try await store.export(
            workspaceId: workspaceId, source: source, since: since, until: until,
            limit: Int(try fields.optionalInt("limit", in: 1...10_000) ?? 5000), cursor: cursor)
        var lines: [JSON] = []
        if format == .csv, cursor == nil {
            lines.append(.string((["postId", "platform"] + (source == .daily ? ["day"] : []) + ["capturedAt"] + MetricValues.names)
                .joined(separator: ",")))
        }
        for row in page.rows {
            switch format {
            case .ndjson:
                var object: JSONObject = ["postId": .string(row.postId), "platform": .string(row.platform.rawValue)]
                if let day = row.day { object.append("day", .string(LocalCalendar.iso8601(day: day))) }
                object.append("capturedAt", .string(row.capturedAt.iso8601))
                WireFormat.metrics(row.values, into: &object)
                lines.append(.string(JSONWriter.string(.object(object))))
            case .csv:
                var cells = [csv(row.postId), row.platform.rawValue]
                if let day = row.day { cells.append(LocalCalendar.iso8601(day: day)) }
                cells.append(row.capturedAt.iso8601)
                cells += MetricValues.names.map { row.values[$0].map(String.init) ?? "" }
                lines.append(.string(cells.joined(separator: ",")))
            }
        }
        return [
            "format": .string(format.rawValue), "of": .string(source.rawValue), "lines": .array(lines),
            "nextCursor": .string(page.nextCursor),
        ]
    }

    /// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled.
    static func csv(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
