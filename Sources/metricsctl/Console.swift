#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JSON
import JSONRPC

/// Where output goes, and whether it may be coloured.
///
/// Colour only when stdout is a terminal (and `NO_COLOR` is unset and `TERM` is not `dumb`): escape codes in a
/// pipe or a file are noise to `grep` and to the person reading the log.
enum Console {
    static let colourEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }()

    enum Colour: String {
        case green = "32"
        case yellow = "33"
        case red = "31"
        case bold = "1"
    }

    static func styled(_ text: String, _ colour: Colour) -> String {
        colourEnabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    static func output(_ text: String) {
        print(text)
    }

    /// A line written at once, not held in stdout's buffer: a stream (`watch`) piped to another program is read as it comes.
    static func outputNow(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func outputJSON(_ value: JSON) {
        print(JSONPrettyPrinter.render(value))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
