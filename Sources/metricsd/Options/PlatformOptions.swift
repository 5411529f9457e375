import ArgumentParser

/// Where the platforms' APIs are: real ones by default, the simulator's (or a proxy's) when given. The TikTok app's
/// credentials come from the environment, never from a flag.
struct PlatformOptions: ParsableArguments {
    @Option(help: "Instagram Graph API base URL.")
    var instagramURL = "https://graph.instagram.com"

    @Option(help: "Facebook Graph API base URL.")
    var facebookURL = "https://graph.facebook.com"

    @Option(help: "TikTok API base URL. The app's client key and secret come from $METRICSD_TIKTOK_CLIENT_KEY and $METRICSD_TIKTOK_CLIENT_SECRET.")
    var tiktokURL = "https://open.tiktokapis.com"

    @Option(help: "Graph API version path segment.")
    var graphAPIVersion = "v25.0"
}
