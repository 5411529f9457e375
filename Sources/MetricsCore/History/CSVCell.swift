/// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, its quotes doubled; as it is
/// otherwise. `export` writes its CSV lines with it.
public enum CSVCell {
    public static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A line of cells, each escaped.
    public static func line(_ cells: [String]) -> String {
        cells.map(escape).joined(separator: ",")
    }
}
