import MetricsCore
import PostgresNIO
import StorageContract

/// Members, account leases and app pauses: how daemons sharing this database divide the accounts (`ClusterStorage`;
/// the tables and the clock they use are `ClusterSchema`'s). Shared runs are in `PostgresStore+SharedRuns.swift`.
extension PostgresStore: ClusterStorage {
    /// One transaction: the member recorded alive (and, after an hour of silence, other members forgotten), every
    /// lease it holds on a connected account renewed (a lease it no longer needs, on an account no longer connected,
    /// given back), the work it claims in shared runs kept claimed, and the cluster counted.
    ///
    /// A lease of this member that lapsed (a late tick) but that no one claimed since is renewed too: the row still
    /// names this member, so no one else holds the account.
    public func clusterTick(member: ClusterMember, leaseMilliseconds: Int64) async throws -> ClusterView {
        serve(member: member.id)
        let logger = self.logger
        let now = clock.now.milliseconds
        let lease = max(1, leaseMilliseconds)
        return try await transaction { connection in
            try await connection.run("""
                INSERT INTO cluster_members (id, host, pid, last_seen, lease_ms)
                VALUES (\(member.id), \(member.host), \(member.pid), now(), \(lease))
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, last_seen = excluded.last_seen,
                    lease_ms = excluded.lease_ms
                """, logger)
            try await connection.run("""
                DELETE FROM cluster_members m
                WHERE m.last_seen + m.lease_ms * interval '1 millisecond' < now() - \(unescaped: ClusterSchema.forgetDeadMembersAfter)
                """, logger)
            try await connection.run("""
                DELETE FROM account_leases l USING accounts a
                WHERE l.member_id = \(member.id) AND a.id = l.account_id AND a.status <> 'connected'
                """, logger)
            let held = try await connection.all("""
                UPDATE account_leases l SET expires_at = now() + \(lease) * interval '1 millisecond'
                FROM accounts a WHERE l.member_id = \(member.id) AND a.id = l.account_id RETURNING l.account_id, a.platform
                """, logger) { row in (try row.next(String.self), try row.next(Platform.self)) }
            var connectedByPlatform: [Platform: Int] = [:]
            for (platform, count) in try await connection.all(
                "SELECT platform, count(*) FROM accounts WHERE status = 'connected' GROUP BY platform", logger,
                { row in (try row.next(Platform.self), try row.next(Int64.self)) })
            {
                connectedByPlatform[platform] = Int(count)
            }
            try await connection.run("""
                UPDATE run_work SET claimed_until = now() + \(lease) * interval '1 millisecond'
                WHERE member_id = \(member.id) AND status = 'claimed'
                """, logger)
            guard let counts = try await connection.first("""
                SELECT (SELECT count(*) FROM cluster_members m WHERE \(unescaped: ClusterSchema.alive("m"))),
                       (SELECT count(*) FROM accounts WHERE status = 'connected'),
                       (SELECT coalesce(min(held), 0) FROM (
                            SELECT count(a.id) AS held
                            FROM cluster_members m
                            LEFT JOIN account_leases l ON l.member_id = m.id AND l.expires_at > now()
                            LEFT JOIN accounts a ON a.id = l.account_id AND a.status = 'connected'
                            WHERE \(unescaped: ClusterSchema.alive("m"))
                            GROUP BY m.id) AS per_member)
                """, logger, { row in (try row.next(Int64.self), try row.next(Int64.self), try row.next(Int64.self)) })
            else { throw UndecodableColumn(column: "count", expected: "the cluster's counts", found: "no row") }
            var pauses: [Platform: Timestamp] = [:]
            for (platform, until) in try await connection.all(
                "SELECT platform, until FROM app_pauses WHERE until > \(now)", logger, { row in (try row.next(Platform.self), try row.timestamp()) })
            {
                pauses[platform] = until
            }
            let heldPlatforms = Dictionary(held, uniquingKeysWith: { first, _ in first })
            return ClusterView(
                liveMembers: Int(counts.0), connectedAccounts: Int(counts.1), held: Set(heldPlatforms.keys), appPauses: pauses,
                fewestHeld: Int(counts.2), heldPlatforms: heldPlatforms, connectedByPlatform: connectedByPlatform)
        }
    }

    /// Leases up to `limit` connected accounts no live member holds, earliest due post first (accounts with none
    /// due last), for a member that is alive (one that is not, or never ticked, gets none).
    ///
    /// The candidates' `accounts` rows are locked `FOR UPDATE SKIP LOCKED`, so members claiming at the same moment
    /// take different accounts without waiting for each other. The lock alone does not make a claim safe: a member
    /// whose statement began before another's claim committed still sees the account unleased, so the upsert of
    /// the lease takes the row only if, as committed now, it is lapsed or its member is not alive.
    public func claimAccounts(memberId: String, limit: Int, leaseMilliseconds: Int64) async throws -> [String: Platform] {
        guard limit > 0 else { return [:] }
        let logger = self.logger
        let lease = max(1, leaseMilliseconds)
        return Dictionary(try await transaction { connection in
            try await connection.all("""
                WITH candidates AS (
                    SELECT a.id, a.platform FROM accounts a
                    LEFT JOIN account_leases l ON l.account_id = a.id
                    LEFT JOIN cluster_members m ON m.id = l.member_id
                    WHERE a.status = 'connected'
                      AND (l.account_id IS NULL OR l.expires_at <= now() OR m.id IS NULL OR NOT \(unescaped: ClusterSchema.alive("m")))
                      AND EXISTS (SELECT 1 FROM cluster_members me WHERE me.id = \(memberId) AND \(unescaped: ClusterSchema.alive("me")))
                    ORDER BY (SELECT min(p.next_due_at) FROM posts p WHERE p.account_id = a.id AND p.next_due_at IS NOT NULL) NULLS LAST, a.id
                    LIMIT \(Int64(limit))
                    FOR UPDATE OF a SKIP LOCKED
                )
                , claimed AS (
                    INSERT INTO account_leases (account_id, member_id, expires_at)
                    SELECT id, \(memberId), now() + \(lease) * interval '1 millisecond' FROM candidates
                    ON CONFLICT (account_id) DO UPDATE SET member_id = excluded.member_id, expires_at = excluded.expires_at
                    WHERE account_leases.expires_at <= now() OR NOT EXISTS (
                        SELECT 1 FROM cluster_members m WHERE m.id = account_leases.member_id AND \(unescaped: ClusterSchema.alive("m")))
                    RETURNING account_id
                )
                SELECT c.account_id, k.platform FROM claimed c JOIN candidates k ON k.id = c.account_id
                """, logger) { row in (try row.next(String.self), try row.next(Platform.self)) }
        }, uniquingKeysWith: { first, _ in first })
    }

    public func releaseAccounts(memberId: String, accountIds: [String]) async throws {
        guard !accountIds.isEmpty else { return }
        let logger = self.logger
        try await transaction { connection in
            try await connection.run(
                "DELETE FROM account_leases WHERE member_id = \(memberId) AND account_id = ANY(\(accountIds))", logger)
        }
    }

    /// One statement: a row per endpoint asked for, inserted, or taken over when its holder's lease or liveness
    /// lapsed, or renewed when it is this member's; a row another live member holds is left alone (its `WHERE`
    /// fails), so two members claiming at once end with one holder.
    public func claimWebhooks(memberId: String, webhookIds: [String], leaseMilliseconds: Int64) async throws -> Set<String> {
        guard !webhookIds.isEmpty else { return [] }
        let logger = self.logger
        let lease = max(1, leaseMilliseconds)
        return Set(try await transaction { connection in
            try await connection.all("""
                INSERT INTO webhook_leases (webhook_id, member_id, expires_at)
                SELECT w.id, \(memberId), now() + \(lease) * interval '1 millisecond' FROM webhooks w
                WHERE w.id = ANY(\(webhookIds)) AND EXISTS (SELECT 1 FROM cluster_members WHERE id = \(memberId))
                ON CONFLICT (webhook_id) DO UPDATE SET member_id = excluded.member_id, expires_at = excluded.expires_at
                WHERE webhook_leases.member_id = excluded.member_id OR webhook_leases.expires_at <= now()
                   OR NOT EXISTS (
                       SELECT 1 FROM cluster_members m WHERE m.id = webhook_leases.member_id AND \(unescaped: ClusterSchema.alive("m")))
                RETURNING webhook_id
                """, logger) { try $0.next(String.self) }
        })
    }

    public func releaseWebhooks(memberId: String) async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("DELETE FROM webhook_leases WHERE member_id = \(memberId)", logger)
        }
    }

    /// The member's leases and row deleted, and the shared-run work it had claimed put back to pending, so the
    /// others take its accounts and its work at their next tick, not a lease later.
    public func leaveCluster(memberId: String) async throws {
        stopServing(member: memberId)
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("""
                UPDATE run_work SET status = 'pending', member_id = NULL, claimed_until = NULL
                WHERE member_id = \(memberId) AND status = 'claimed'
                """, logger)
            try await connection.run("DELETE FROM account_leases WHERE member_id = \(memberId)", logger)
            try await connection.run("DELETE FROM webhook_leases WHERE member_id = \(memberId)", logger)
            try await connection.run("DELETE FROM cluster_members WHERE id = \(memberId)", logger)
        }
    }

    /// The later of the pause in force and this one: one daemon's shorter pause (a usage header at the threshold)
    /// must not end another's longer one (a rate-limit error's hour).
    public func shareAppPause(platform: Platform, until: Timestamp) async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("""
                INSERT INTO app_pauses (platform, until) VALUES (\(platform.rawValue), \(until.milliseconds))
                ON CONFLICT (platform) DO UPDATE SET until = greatest(app_pauses.until, excluded.until)
                """, logger)
        }
    }
}
