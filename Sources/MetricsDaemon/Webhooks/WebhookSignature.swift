import Crypto
import Foundation
import StorageContract

/// The Standard Webhooks symmetric signature, exactly as the spec and its verifier libraries have it:
/// `webhook-signature: v1,<base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`, keyed with the
/// bytes the secret's base64 (after `whsec_`) decodes to. The body is signed as sent, byte for byte.
enum WebhookSignature {
    /// A stored secret that is not `whsec_` + base64: nothing can be signed with it (never shown: it is a secret).
    struct UnusableSecret: Error, DescribedFailure {
        var sentence: String { "the endpoint's stored secret is not a whsec_ secret; rotate it with upsertWebhook" }
    }

    static let prefix = "whsec_"

    /// The key a secret stands for: its base64 part decoded (a secret without the prefix is taken as base64, as the
    /// verifier libraries do).
    static func key(fromSecret secret: String) throws(UnusableSecret) -> SymmetricKey {
        let encoded = secret.hasPrefix(prefix) ? String(secret.dropFirst(prefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { throw UnusableSecret() }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header's value for one attempt.
    static func header(key: SymmetricKey, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }
}
