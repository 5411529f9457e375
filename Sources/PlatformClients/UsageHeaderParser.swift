#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOHTTP1

/// Reads Meta's `X-App-Usage` and `X-Business-Use-Case-Usage` headers, on every response, success or failure.
///
/// Pure: tested on the header values quoted in platform-apis.md and on garbage. A header that does not parse is
/// reported in `malformedHeaders` rather than thrown, because a broken usage header must not cost the metrics
/// the response carries.
public enum UsageHeaderParser {
    public static let appUsageHeader = "X-App-Usage"
    public static let businessUseCaseHeader = "X-Business-Use-Case-Usage"

    public static func parse(_ headers: HTTPHeaders) -> PlatformUsage {
        parse(
            appUsage: headers.first(name: appUsageHeader),
            businessUseCase: headers.first(name: businessUseCaseHeader))
    }

    public static func parse(appUsage: String?, businessUseCase: String?) -> PlatformUsage {
        var usage = PlatformUsage()
        if let appUsage {
            if let parsed = parseAppUsage(appUsage) {
                usage.app = parsed
            } else {
                usage.malformedHeaders.append(appUsageHeader)
            }
        }
        if let businessUseCase {
            if let parsed = parseBusinessUseCase(businessUseCase) {
                usage.businessUseCase = parsed
            } else {
                usage.malformedHeaders.append(businessUseCaseHeader)
            }
        }
        return usage
    }

    public static func parseAppUsage(_ value: String) -> PlatformUsage.AppUsage? {
        guard let decoded = try? JSONDecoder().decode(AppUsageBody.self, from: Data(value.utf8)) else { return nil }
        return PlatformUsage.AppUsage(
            callCount: decoded.call_count?.value ?? 0, totalTime: decoded.total_time?.value ?? 0,
            totalCPUTime: decoded.total_cputime?.value ?? 0)
    }

    public static func parseBusinessUseCase(_ value: String) -> [PlatformUsage.BusinessUseCaseUsage]? {
        guard let decoded = try? JSONDecoder().decode([String: [BusinessUseCaseEntry]].self, from: Data(value.utf8))
        else { return nil }
        return decoded.keys.sorted().flatMap { objectID in
            (decoded[objectID] ?? []).map { entry in
                PlatformUsage.BusinessUseCaseUsage(
                    objectID: objectID, type: entry.type ?? "unknown", callCount: entry.call_count?.value ?? 0,
                    totalTime: entry.total_time?.value ?? 0, totalCPUTime: entry.total_cputime?.value ?? 0,
                    estimatedMinutesToRegainAccess: entry.estimated_time_to_regain_access?.value)
            }
        }
    }

    private struct AppUsageBody: Decodable {
        var call_count: Percent?
        var total_time: Percent?
        var total_cputime: Percent?
    }

    private struct BusinessUseCaseEntry: Decodable {
        var type: String?
        var call_count: Percent?
        var total_time: Percent?
        var total_cputime: Percent?
        var estimated_time_to_regain_access: Percent?
    }

    /// An integer that may arrive as a number, a fractional number, or a numeric string.
    private struct Percent: Decodable {
        var value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                value = int
            } else if let double = try? container.decode(Double.self), double.isFinite {
                value = Int(double.rounded())
            } else if let text = try? container.decode(String.self), let int = Int(text) {
                value = int
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a percentage")
            }
        }
    }
}
