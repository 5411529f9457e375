import ArgumentParser

/// `metricsctl completions bash|zsh|fish`: the shell completion script swift-argument-parser generates from the
/// command tree, so it always knows every subcommand and option.
struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print a completion script for bash, zsh or fish.",
        discussion: """
            bash: metricsctl completions bash > /etc/bash_completion.d/metricsctl
            zsh:  metricsctl completions zsh > "${fpath[1]}/_metricsctl"
            fish: metricsctl completions fish > ~/.config/fish/completions/metricsctl.fish

            Example: source <(metricsctl completions bash)
            """)

    @Argument(help: ArgumentHelp("bash, zsh or fish.", valueName: "shell"))
    var shell: Shell

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    func run() {
        print(MetricsctlCommand.completionScript(for: shell.completionShell), terminator: "")
    }
}
