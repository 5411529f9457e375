import Foundation
import JSON
import MetricsCore
@testable import MetricsDaemon
import StorageContract
import Testing

@Suite struct WebhookSignatureTests {
    /// The Standard Webhooks libraries' published vector (their Go and Python tests): this secret, id, timestamp
    /// and body sign to exactly this header.
    @Test func theSpecsTestVectorSignsToItsPublishedSignature() throws {
        let key = try WebhookSignature.key(fromSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let header = WebhookSignature.header(
            key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func aSecretWithoutThePrefixIsTakenAsBase64AsTheLibrariesDo() throws {
        let key = try WebhookSignature.key(fromSecret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let header = WebhookSignature.header(
            key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func anythingElseInTheTripleChangesTheSignature() throws {
        let key = try WebhookSignature.key(fromSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let reference = WebhookSignature.header(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(WebhookSignature.header(key: key, id: "msg_other", timestamp: 1_614_265_330, body: body) != reference)
        #expect(WebhookSignature.header(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331, body: body) != reference)
        #expect(
            WebhookSignature.header(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body + [0x20])
                != reference)
    }

    @Test(arguments: ["whsec_", "whsec_!!!not-base64", ""])
    func anUnusableSecretIsRefusedWithoutShowingIt(secret: String) {
        #expect(throws: WebhookSignature.UnusableSecret.self) { try WebhookSignature.key(fromSecret: secret) }
        #expect(!WebhookSignature.UnusableSecret().sentence.contains("whsec_!"))
    }

    @Test func newSecretsAreWhsecAndThirtyTwoRandomBytes() throws {
        let secrets = (0..<20).map { _ in WebhookSecret.generate() }
        #expect(Set(secrets).count == 20)
        for secret in secrets {
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            _ = try WebhookSignature.key(fromSecret: secret)
        }
    }

    @Test func theBodyIsTypeTimestampDataAndSeqInThatOrder() {
        let event = Event(
            seq: 42, id: "evt_42", type: .run, at: Timestamp(iso8601: "2026-11-24T19:04:00.123Z")!, workspaceId: nil, postId: nil,
            data: ["runId": 7])
        #expect(
            String(decoding: WebhookPayload.body(of: event), as: UTF8.self)
                == #"{"type":"run","timestamp":"2026-11-24T19:04:00.123Z","data":{"runId":7},"seq":42}"#)
    }
}
