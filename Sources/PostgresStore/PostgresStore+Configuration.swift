import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

extension PostgresStore {
    /// Where the database is and how to reach it, from a `postgres://` URL (`PostgresURL`), with the password found
    /// where libpq finds it. Made before the daemon starts: a wrong URL, an unreadable `sslrootcert` are startup
    /// errors naming what is wrong; an unreachable server is not (the store keeps trying).
    public struct Configuration: Sendable, CustomStringConvertible {
        public let url: PostgresURL
        /// From the URL, `PGPASSWORD` or the password file; never printed.
        let password: String?
        let tls: TLSConfiguration?

        /// A configuration error: the URL, or what it names, cannot work.
        public struct Invalid: Error, Sendable, CustomStringConvertible {
            public var description: String
        }

        public init(
            url text: String, environment: [String: String] = ProcessInfo.processInfo.environment,
            homeDirectory: String? = NSHomeDirectory()
        ) throws(Invalid) {
            do {
                url = try PostgresURL(text)
            } catch {
                throw Invalid(description: error.description)
            }
            password = PostgresPassword.resolve(for: url, environment: environment, homeDirectory: homeDirectory)
            tls = try Self.tls(url)
        }

        /// The URL without its password.
        public var description: String { url.redacted }

        private static func tls(_ url: PostgresURL) throws(Invalid) -> TLSConfiguration? {
            guard case .tcp = url.endpoint, url.sslMode != .disable else { return nil }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch url.sslMode {
            // libpq's require and prefer encrypt without checking whom they talk to; verify-ca checks the chain,
            // verify-full the host name too.
            case .disable, .prefer, .require: tls.certificateVerification = .none
            case .verifyCA: tls.certificateVerification = .noHostnameVerification
            case .verifyFull: tls.certificateVerification = .fullVerification
            }
            if let roots = url.sslRootCertificate {
                guard FileManager.default.isReadableFile(atPath: roots) else {
                    throw Invalid(description: "database URL: sslrootcert \(roots) cannot be read")
                }
                tls.trustRoots = .file(roots)
            }
            do {
                _ = try NIOSSLContext(configuration: tls)
            } catch {
                throw Invalid(description: "database URL: TLS settings refused: \(error)")
            }
            return tls
        }

        func clientConfiguration(_ options: Options) -> PostgresClient.Configuration {
            var configuration: PostgresClient.Configuration
            switch url.endpoint {
            case .tcp(let host, let port):
                let mode: PostgresClient.Configuration.TLS = switch (url.sslMode, tls) {
                case (.disable, _), (_, nil): .disable
                case (.prefer, let tls?): .prefer(tls)
                case (_, let tls?): .require(tls)
                }
                configuration = PostgresClient.Configuration(
                    host: host, port: port, username: url.user, password: password, database: url.database, tls: mode)
            case .unixSocket(let path):
                configuration = PostgresClient.Configuration(
                    unixSocketPath: path, username: url.user, password: password, database: url.database)
            }
            configuration.options.connectTimeout = connectTimeout(options)
            configuration.options.maximumConnections = options.maximumConnections
            configuration.options.additionalStartupParameters = startupParameters
            return configuration
        }

        /// For the migrations' own connection: made directly, so a failure says why (an unknown database, a refused
        /// password) instead of only that the pool has no connection.
        func connectionConfiguration(_ options: Options) throws -> PostgresConnection.Configuration {
            var configuration: PostgresConnection.Configuration
            switch url.endpoint {
            case .tcp(let host, let port):
                let mode: PostgresConnection.Configuration.TLS = switch (url.sslMode, tls) {
                case (.disable, _), (_, nil): .disable
                case (.prefer, let tls?): .prefer(try NIOSSLContext(configuration: tls))
                case (_, let tls?): .require(try NIOSSLContext(configuration: tls))
                }
                configuration = PostgresConnection.Configuration(
                    host: host, port: port, username: url.user, password: password, database: url.database, tls: mode)
            case .unixSocket(let path):
                configuration = PostgresConnection.Configuration(
                    unixSocketPath: path, username: url.user, password: password, database: url.database)
            }
            configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout(options).components.seconds) * 1_000_000_000
                + connectTimeout(options).components.attoseconds / 1_000_000_000)
            configuration.options.additionalStartupParameters = startupParameters
            return configuration
        }

        private func connectTimeout(_ options: Options) -> Duration {
            url.connectTimeoutSeconds.map { .seconds(max($0, 1)) } ?? options.connectTimeout
        }

        private var startupParameters: [(String, String)] {
            [("application_name", url.applicationName ?? "metricsd")]
        }
    }
}
