import ArgumentParser
import MetricsCore

/// Lets `--platform` be checked, completed and listed in `--help` from the same cases the daemon accepts.
extension Platform: ExpressibleByArgument {}
