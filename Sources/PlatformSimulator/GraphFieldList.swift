/// The `fields=` parameter of a Graph API request, with field expansion:
/// `id,shares,reactions.summary(total_count).limit(0),insights.metric(post_media_view,post_clicks)`.
///
/// Commas inside parentheses belong to a modifier's argument, so the list is split by hand at depth zero.
/// Field expansion is what lets one GET carry a post's counts and its insights together.
struct GraphFieldList: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var name: String
        /// Modifier name to its raw argument: `summary` → `true`, `metric` → `reach,views`.
        var modifiers: [String: String]

        /// The comma-separated argument of a modifier, e.g. the metrics of `insights.metric(...)`.
        func list(_ modifier: String) -> [String]? {
            modifiers[modifier].map { $0.split(separator: ",").map { String($0.trimmingSpaces()) } }
        }
    }

    var fields: [Field]

    /// Returns nil when the parentheses do not balance (Graph answers #100 for that).
    init?(_ text: String) {
        var fields: [Field] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        func flush(_ end: String.Index) -> Bool {
            let piece = text[start..<end].trimmingSpaces()
            guard !piece.isEmpty else { return true }
            guard let field = Self.parseField(piece) else { return false }
            fields.append(field)
            return true
        }
        while index < text.endIndex {
            switch text[index] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { return nil }
            case "," where depth == 0:
                guard flush(index) else { return nil }
                start = text.index(after: index)
            default: break
            }
            index = text.index(after: index)
        }
        guard depth == 0, flush(text.endIndex) else { return nil }
        self.fields = fields
    }

    subscript(name: String) -> Field? {
        fields.first { $0.name == name }
    }

    func contains(_ name: String) -> Bool {
        fields.contains { $0.name == name }
    }

    /// `reactions.summary(true).limit(0)` → name `reactions`, modifiers `summary: true`, `limit: 0`.
    private static func parseField(_ text: Substring) -> Field? {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            switch text[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "." where depth == 0:
                parts.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
            index = text.index(after: index)
        }
        parts.append(text[start..<text.endIndex])
        guard let name = parts.first, !name.isEmpty else { return nil }
        var modifiers: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let open = part.firstIndex(of: "("), part.last == ")" else { return nil }
            let argument = part[part.index(after: open)..<part.index(before: part.endIndex)]
            modifiers[String(part[..<open])] = String(argument)
        }
        return Field(name: String(name), modifiers: modifiers)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}

extension String {
    func trimmingSpaces() -> Substring {
        self[...].trimmingSpaces()
    }
}
