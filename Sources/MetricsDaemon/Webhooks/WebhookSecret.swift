import Foundation

/// A new endpoint's signing secret: `whsec_` and the base64 of 32 random bytes (the spec asks for 24 to 64) from
/// the system's cryptographic generator. Shown to the caller once, when created or rotated; never logged.
enum WebhookSecret {
    static let byteCount = 32

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSignature.prefix + Data(bytes).base64EncodedString()
    }
}
