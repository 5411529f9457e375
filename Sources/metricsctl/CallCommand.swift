import ArgumentParser
import Foundation
import JSON
import JSONRPC

/// `metricsctl call`: any method, raw: for methods without a subcommand and for seeing exactly what the daemon
/// says.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call any JSON-RPC method and print its raw result as JSON.",
        discussion: """
            PARAMS is a JSON object (by name) or array (by position), or - to read it from standard input. \
            Without PARAMS the request carries no params. The result is printed as JSON with or without --json.

            Example: metricsctl call latestMetrics '{"postIds":["p1"]}'
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The method's name, such as health or rpc.discover.", valueName: "method"))
    var method: String

    @Argument(help: ArgumentHelp("Params as a JSON object or array, or - for standard input.", valueName: "params"))
    var params: String?

    /// Bad JSON is a mistake in the command line: it is refused here (exit 3) rather than sent for the daemon
    /// to answer with a parse error (exit 1). Standard input is read in `run()`, so it is checked there.
    mutating func validate() throws {
        if let params, params != "-" {
            _ = try Self.parse(params)
        }
    }

    func run() throws {
        var parsed: JSON?
        if let params {
            let text = params == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : params
            parsed = try Self.parse(text)
        }
        Console.outputJSON(try connection.connect().call(method, parsed))
    }

    static func parse(_ text: String) throws(ValidationError) -> JSON {
        let value: JSON
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw ValidationError("params are not valid JSON: \(error.description)")
        }
        switch value {
        case .object, .array: return value
        default: throw ValidationError("params must be a JSON object or array, not \(value.kindName)")
        }
    }
}
