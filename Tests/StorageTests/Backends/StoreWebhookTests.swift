import MetricsCore
import StorageContract
import Testing

/// Webhook endpoints and their deliveries on every backend: creation, secrets, re-enabling, positions that only
/// move forward, writes refused to a loop whose endpoint changed, and the bounded record of deliveries.
@Suite struct StoreWebhookTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func attempt(seq: Int64, _ outcome: WebhookOutcome, at: Timestamp, status: Int? = 200, attempt: Int = 1) -> WebhookAttempt {
        WebhookAttempt(
            seq: seq, eventId: "evt-\(seq)", attempt: attempt, at: at, statusCode: status, error: outcome == .delivered ? nil : "HTTP status 500",
            outcome: outcome, durationMs: 3)
    }

    @Test(arguments: StoreBackend.available)
    func aNewEndpointIsEnabledAndStartsAfterTheLastCommittedEvent(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let created = try await h.store.upsertWebhook(
                WebhookRegistration(id: "hook", url: "http://127.0.0.1:9/in", types: [.snapshot, .run], workspaceId: "w1"),
                secret: Self.secret, replaceSecret: false)
            #expect(created == .created)
            let endpoint = try #require(try await h.store.webhook(id: "hook"))
            #expect(endpoint.url == "http://127.0.0.1:9/in" && endpoint.types == [.snapshot, .run] && endpoint.workspaceId == "w1")
            #expect(endpoint.enabled && endpoint.disabledReason == nil)
            #expect(endpoint.createdAt == h.clock.now && endpoint.updatedAt == h.clock.now)
            #expect(endpoint.position == (try await h.store.eventLogBounds()).lastSeq + 1)
            #expect(try await h.store.webhookSecret(id: "hook") == Self.secret)
            #expect(try await h.store.listWebhooks().map(\.id) == ["hook"])
            #expect(try await h.store.webhook(id: "other") == nil)
            #expect(try await h.store.webhookSecret(id: "other") == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anUnknownWorkspaceIsNotFoundAndNothingIsWritten(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertWebhook(
                    WebhookRegistration(id: "hook", url: "http://h/", types: nil, workspaceId: "nowhere"), secret: Self.secret,
                    replaceSecret: false)
            }
            #expect(error.kind == .notFound(.workspace, id: "nowhere") && error.input == .workspaceId)
            #expect(try await h.store.listWebhooks().isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anUpdateKeepsTheSecretUnlessRotatedAndReenablesWhereItStopped(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let registration = WebhookRegistration(id: "hook", url: "http://h/a", types: nil, workspaceId: nil)
            _ = try await h.store.upsertWebhook(registration, secret: Self.secret, replaceSecret: false)
            let first = try #require(try await h.store.webhook(id: "hook"))
            #expect(first.types == nil && first.workspaceId == nil)
            // Delivered up to 7, then disabled at 7.
            #expect(try await h.store.recordWebhookAttempt(
                webhookId: "hook", expectedVersion: first.version, Self.attempt(seq: 6, .delivered, at: h.clock.now), position: 7,
                disabledReason: nil))
            #expect(try await h.store.recordWebhookAttempt(
                webhookId: "hook", expectedVersion: first.version, Self.attempt(seq: 7, .disabled, at: h.clock.now, status: 410),
                position: nil, disabledReason: "410 Gone: the receiver asked to stop"))
            let disabled = try #require(try await h.store.webhook(id: "hook"))
            #expect(!disabled.enabled && disabled.disabledReason == "410 Gone: the receiver asked to stop" && disabled.position == 7)

            h.clock.advance(milliseconds: 1000)
            let updated = try await h.store.upsertWebhook(
                WebhookRegistration(id: "hook", url: "http://h/b", types: [.milestone], workspaceId: "w1"), secret: "whsec_other",
                replaceSecret: false)
            #expect(updated == .updated)
            let reenabled = try #require(try await h.store.webhook(id: "hook"))
            #expect(reenabled.enabled && reenabled.disabledReason == nil && reenabled.position == 7)
            #expect(reenabled.url == "http://h/b" && reenabled.types == [.milestone] && reenabled.workspaceId == "w1")
            #expect(reenabled.version > first.version && reenabled.updatedAt == h.clock.now && reenabled.createdAt == first.createdAt)
            #expect(try await h.store.webhookSecret(id: "hook") == Self.secret)

            _ = try await h.store.upsertWebhook(registration, secret: "whsec_rotated", replaceSecret: true)
            #expect(try await h.store.webhookSecret(id: "hook") == "whsec_rotated")
        }
    }

    @Test(arguments: StoreBackend.available)
    func aLoopOfAnOlderVersionCanNoLongerWrite(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let registration = WebhookRegistration(id: "hook", url: "http://h/a", types: nil, workspaceId: nil)
            _ = try await h.store.upsertWebhook(registration, secret: Self.secret, replaceSecret: false)
            let old = try #require(try await h.store.webhook(id: "hook"))
            _ = try await h.store.upsertWebhook(registration, secret: Self.secret, replaceSecret: false)
            #expect(try await !h.store.recordWebhookAttempt(
                webhookId: "hook", expectedVersion: old.version, Self.attempt(seq: 1, .delivered, at: h.clock.now), position: 2,
                disabledReason: nil))
            #expect(try await !h.store.advanceWebhook(id: "hook", expectedVersion: old.version, to: 50))
            #expect(try await !h.store.recordWebhookAttempt(
                webhookId: "gone", expectedVersion: 1, Self.attempt(seq: 1, .delivered, at: h.clock.now), position: 2, disabledReason: nil))
            let current = try #require(try await h.store.webhook(id: "hook"))
            #expect(current.position == old.position && current.enabled)
            #expect(try await h.store.webhookDeliveries(id: "hook", limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func thePositionOnlyMovesForward(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.upsertWebhook(
                WebhookRegistration(id: "hook", url: "http://h/", types: [.run], workspaceId: nil), secret: Self.secret, replaceSecret: false)
            let version = try #require(try await h.store.webhook(id: "hook")).version
            #expect(try await h.store.advanceWebhook(id: "hook", expectedVersion: version, to: 40))
            #expect(try await h.store.advanceWebhook(id: "hook", expectedVersion: version, to: 30))
            #expect(try await h.store.webhook(id: "hook")?.position == 40)
            #expect(try await h.store.recordWebhookAttempt(
                webhookId: "hook", expectedVersion: version, Self.attempt(seq: 20, .delivered, at: h.clock.now), position: 21,
                disabledReason: nil))
            #expect(try await h.store.webhook(id: "hook")?.position == 40)
        }
    }

    @Test(arguments: StoreBackend.available)
    func deliveriesAreNewestFirstLimitedAndBounded(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.upsertWebhook(
                WebhookRegistration(id: "hook", url: "http://h/", types: nil, workspaceId: nil), secret: Self.secret, replaceSecret: false)
            let version = try #require(try await h.store.webhook(id: "hook")).version
            let start = h.clock.now
            // A failure, its retry delivered, and a gap, each field kept as given.
            let failed = WebhookAttempt(
                seq: 1, eventId: "evt-1", attempt: 1, at: start, statusCode: 500, error: "HTTP status 500", outcome: .failed, durationMs: 12)
            let delivered = WebhookAttempt(
                seq: 1, eventId: "evt-1", attempt: 2, at: start.adding(milliseconds: 5000), statusCode: 204, error: nil, outcome: .delivered,
                durationMs: 4)
            let gap = WebhookAttempt(
                seq: 9, eventId: "", attempt: 0, at: start.adding(milliseconds: 6000), statusCode: nil, error: "events 2–8 were deleted",
                outcome: .gap, durationMs: 0)
            for (attempt, position) in [(failed, nil), (delivered, 2), (gap, 9)] as [(WebhookAttempt, Int64?)] {
                #expect(try await h.store.recordWebhookAttempt(
                    webhookId: "hook", expectedVersion: version, attempt, position: position, disabledReason: nil))
            }
            #expect(try await h.store.webhookDeliveries(id: "hook", limit: 10) == [gap, delivered, failed])
            #expect(try await h.store.webhookDeliveries(id: "hook", limit: 2) == [gap, delivered])
            #expect(try await h.store.webhook(id: "hook")?.position == 9)

            let kept = WebhookStorageLimits.deliveriesKept
            for index in 0..<(kept + 5) {
                try await h.store.recordWebhookAttempt(
                    webhookId: "hook", expectedVersion: version, Self.attempt(seq: Int64(10 + index), .delivered, at: start),
                    position: nil, disabledReason: nil)
            }
            let all = try await h.store.webhookDeliveries(id: "hook", limit: kept * 2)
            #expect(all.count == kept)
            #expect(all.first?.seq == Int64(10 + kept + 4) && all.last?.seq == 15)
        }
    }

    @Test(arguments: StoreBackend.available)
    func deletingRemovesTheEndpointWithItsDeliveries(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.upsertWebhook(
                WebhookRegistration(id: "hook", url: "http://h/", types: nil, workspaceId: nil), secret: Self.secret, replaceSecret: false)
            let version = try #require(try await h.store.webhook(id: "hook")).version
            try await h.store.recordWebhookAttempt(
                webhookId: "hook", expectedVersion: version, Self.attempt(seq: 1, .delivered, at: h.clock.now), position: 2,
                disabledReason: nil)
            try await h.store.deleteWebhook(id: "hook")
            #expect(try await h.store.listWebhooks().isEmpty)
            #expect(try await h.rows("SELECT count(*) FROM webhook_deliveries") == [[.int(0)]])
            for call in [{ try await h.store.deleteWebhook(id: "hook") }, { _ = try await h.store.webhookDeliveries(id: "hook", limit: 1) }] {
                let error = try await #require(throws: StoreError.self) { try await call() }
                #expect(error.kind == .notFound(.webhook, id: "hook") && error.input == .webhookId)
            }
        }
    }
}
