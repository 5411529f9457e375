import MetricsCore

/// Loading a seed into the world: accounts with their tokens, then posts, then each account's listing order.
extension SimulatorWorld {
    mutating func seed(_ seed: SimulatorSeed, now: Timestamp) throws(SimulatorSeedError) -> SeedSummary {
        var accountsToAdd = seed.accounts
        var postsToAdd = seed.posts
        if let generate = seed.generate {
            let generated = SeedGenerator.generate(generate, now: now)
            accountsToAdd += generated.accounts
            postsToAdd += generated.posts
        }
        for account in accountsToAdd {
            guard !account.id.isEmpty, !account.accessToken.isEmpty else {
                throw SimulatorSeedError(description: "an account needs an id and an access token")
            }
            add(account, now: now)
        }
        var touched = Set<String>()
        for post in postsToAdd {
            guard let owner = accounts[post.account] else {
                throw SimulatorSeedError(description: "post \(post.id) names unknown account \(post.account)")
            }
            if let previous = posts[post.id], previous.accountID != post.account {
                accounts[previous.accountID]?.postIDs.removeAll { $0 == post.id }
                touched.insert(previous.accountID)
            }
            let isNew = posts[post.id]?.accountID != post.account
            posts[post.id] = SimulatedPost(post, owner: owner)
            if isNew { accounts[owner.id]?.postIDs.append(post.id) }
            touched.insert(owner.id)
        }
        for id in touched {
            accounts[id]?.postIDs.sort { lhs, rhs in
                let left = posts[lhs]?.createdAt ?? Timestamp(milliseconds: 0)
                let right = posts[rhs]?.createdAt ?? Timestamp(milliseconds: 0)
                return left != right ? left > right : lhs > rhs
            }
        }
        var seen = Set<String>()
        let summaries: [SeedSummary.Account] = accountsToAdd.compactMap { seeded in
            guard seen.insert(seeded.id).inserted, let account = accounts[seeded.id] else { return nil }
            return SeedSummary.Account(
                platform: account.platform, id: account.id, accessToken: account.accessToken,
                accessTokenExpiresAt: accessTokens[account.accessToken]?.expiresAt,
                refreshToken: account.refreshToken,
                refreshTokenExpiresAt: account.refreshToken.flatMap { refreshTokens[$0]?.expiresAt },
                postIDs: account.postIDs)
        }
        return SeedSummary(accounts: summaries, postCount: postsToAdd.count)
    }

    /// Tokens get the platform's lifetimes from their issue time unless the seed says otherwise.
    private mutating func add(_ account: SimulatorSeed.Account, now: Timestamp) {
        let tokens = configuration.tokens
        let issuedAt = account.accessTokenIssuedAt ?? now
        let defaultLifetime: Double? = switch account.platform {
        case .instagram: tokens.instagramSeconds
        case .facebook: tokens.facebookPageSeconds
        case .tiktok: tokens.tiktokAccessSeconds
        }
        let expiresAt = account.accessTokenExpiresAt ?? defaultLifetime.map { issuedAt.adding(seconds: $0) }
        accessTokens[account.accessToken] = AccessGrant(accountID: account.id, issuedAt: issuedAt, expiresAt: expiresAt)
        issuedTokens.append(account.accessToken)
        if let refreshToken = account.refreshToken {
            issuedTokens.append(refreshToken)
            refreshTokens[refreshToken] = RefreshGrant(
                accountID: account.id,
                expiresAt: account.refreshTokenExpiresAt ?? now.adding(seconds: tokens.tiktokRefreshSeconds))
        }
        let ordinal: Int
        if let existing = accounts[account.id] {
            ordinal = existing.ordinal
        } else {
            accountOrdinals.append(account.id)
            ordinal = accountOrdinals.count
        }
        accounts[account.id] = SimulatedAccount(
            platform: account.platform, id: account.id, ordinal: ordinal, hideLikes: account.hideLikes,
            scopes: account.scopes.map(Set.init) ?? SimulatedAccount.allTikTokScopes,
            postIDs: accounts[account.id]?.postIDs ?? [], accessToken: account.accessToken,
            refreshToken: account.refreshToken)
    }
}
