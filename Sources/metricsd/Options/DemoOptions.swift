import ArgumentParser

/// The demo: the bundled simulator beside the daemon, with seeded accounts and posts.
struct DemoOptions: ParsableArguments {
    @Flag(help: "Demo: start the bundled platform simulator, register seeded accounts and posts, refresh each post when it is due, on a clock running --clock-speed times faster.")
    var demo = false

    @Option(help: "With --demo: accounts seeded per platform.")
    var demoAccounts: Int = 2

    @Option(help: "With --demo: posts seeded per account (about 3 in 4 fall inside the 30-day window).")
    var demoPosts: Int = 60
}
