/// Renders rows as aligned plain-text columns, the way `ps` and `kubectl get` do: upper-case headers, two
/// spaces between columns, numbers right-aligned so their digits line up, no trailing spaces.
///
/// Pure: takes strings, returns a string, knows nothing of the daemon or the terminal (no colour), so the
/// output is the same on a terminal, in a pipe and in a test.
struct TableRenderer {
    enum Alignment {
        case left
        case right
    }

    struct Column {
        var title: String
        var alignment: Alignment

        init(_ title: String, _ alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    var columns: [Column]

    init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Every row must have one cell per column; a short row is padded with empty cells.
    func render(_ rows: [[String]]) -> String {
        let header = columns.map { $0.title.uppercased() }
        let table = [header] + rows.map { row in (0..<columns.count).map { $0 < row.count ? row[$0] : "" } }
        // Characters, not bytes: "—" is one column wide on screen but three bytes long.
        let widths = columns.indices.map { index in table.map { $0[index].count }.max() ?? 0 }
        return table.map { cells in
            var line = ""
            for (index, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { line += "  " }
                switch columns[index].alignment {
                case .left: line += cell + padding
                case .right: line += padding + cell
                }
            }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
