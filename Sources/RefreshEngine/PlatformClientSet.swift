import AsyncHTTPClient
import MetricsCore
import PlatformClients

/// The three platform clients the engine calls, sharing one HTTP client that the owner shuts down.
public struct PlatformClientSet: Sendable {
    public var instagram: InstagramClient
    public var facebook: FacebookClient
    public var tiktok: TikTokClient

    public init(instagram: InstagramClient, facebook: FacebookClient, tiktok: TikTokClient) {
        self.instagram = instagram
        self.facebook = facebook
        self.tiktok = tiktok
    }
}
