import JSON
import JSONRPC

/// Indented JSON for `--json` and `call`: as machine-readable as the wire's compact form, but readable when a
/// person runs the command to see what a script will get. Member order is kept as the daemon sent it.
enum JSONPrettyPrinter {
    static func render(_ value: JSON, indent: String = "  ") -> String {
        var output = ""
        write(value, depth: 0, indent: indent, into: &output)
        return output
    }

    private static func write(_ value: JSON, depth: Int, indent: String, into output: inout String) {
        let inner = String(repeating: indent, count: depth + 1)
        let outer = String(repeating: indent, count: depth)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            output += "[\n"
            for (offset, element) in elements.enumerated() {
                output += inner
                write(element, depth: depth + 1, indent: indent, into: &output)
                output += offset < elements.count - 1 ? ",\n" : "\n"
            }
            output += outer + "]"
        case .object(let object) where object.count > 0:
            output += "{\n"
            for (offset, member) in object.members.enumerated() {
                output += inner + JSONWriter.string(.string(member.key)) + ": "
                write(member.value, depth: depth + 1, indent: indent, into: &output)
                output += offset < object.count - 1 ? ",\n" : "\n"
            }
            output += outer + "}"
        default:
            // Scalars and empty containers: the compact writer already spells them exactly.
            output += JSONWriter.string(value)
        }
    }
}
