#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MetricsCore

/// Reads an Instagram insights answer (`{"data":[{"name","values":[{"value"}]}]}`) into the snapshot's columns.
///
/// Mapping: views, reach, likes, comments, shares, saved → saves. `impressions` fills its column only when
/// Instagram returned it (old media on v21 and older); otherwise it stays nil rather than copying views, so the
/// history never claims a number the platform did not give. Every other metric goes to metadata by its own name.
public enum InstagramInsightsParser {
    /// Instagram metric name → `MetricValues` column name.
    static let columns: [String: String] = [
        "impressions": "impressions", "views": "views", "reach": "reach", "likes": "likes",
        "comments": "comments", "shares": "shares", "saved": "saves",
    ]

    public static func parse(_ body: [UInt8], productType: MediaProductType) throws(PlatformError) -> PostMetrics {
        let decoded: GraphInsightsBody
        do {
            decoded = try JSONDecoder().decode(GraphInsightsBody.self, from: Data(body))
        } catch {
            throw PlatformError(platform: .instagram, kind: .malformed("insights answer is not {\"data\":[…]}"))
        }
        return metrics(from: decoded.data, productType: productType)
    }

    static func metrics(from insights: [GraphInsight], productType: MediaProductType) -> PostMetrics {
        var result = PostMetrics(noDataYet: insights.isEmpty)
        guard !insights.isEmpty else { return result }
        result.metadata["media_product_type"] = .string(productType.rawValue)
        for insight in insights {
            guard let value = insight.firstValue else { continue }
            if let column = columns[insight.name] {
                result.values[column] = value.count
            } else {
                result.metadata[insight.name] = metadataValue(value)
            }
        }
        return result
    }

    static func metadataValue(_ value: InsightValue) -> MetadataValue {
        switch value {
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .breakdown(let parts): .object(parts.mapValues { .int($0) })
        }
    }
}
