/// A one-line chart of a series, one bar per value (▁▂▃▄▅▆▇█), as `spark` draws it.
///
/// Bars are scaled between the series' own minimum and maximum: views are cumulative counters, so scaling
/// from zero would draw a flat top line and hide the growth the chart is there to show.
enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A missing value (the platform did not report views at that point) is a space, never a low bar: a gap
    /// must not read as zero. A flat series draws at mid height, so it does not read as zeros either.
    static func render(_ values: [Int64?]) -> String {
        let present = values.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else {
            return String(repeating: " ", count: values.count)
        }
        let range = Double(high) - Double(low)
        return String(values.map { value -> Character in
            guard let value else { return " " }
            guard range > 0 else { return bars[bars.count / 2 - 1] }
            let scaled = (Double(value) - Double(low)) / range * Double(bars.count - 1)
            return bars[min(bars.count - 1, max(0, Int(scaled.rounded())))]
        })
    }
}
