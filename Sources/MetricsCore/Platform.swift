/// A social platform metricsd refreshes metrics from. The raw values are the wire and storage spelling.
public enum Platform: String, CaseIterable, Sendable, Codable, Hashable {
    case instagram
    case tiktok
    case facebook
}
