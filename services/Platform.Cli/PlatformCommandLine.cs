using System.CommandLine;
using Platform.Cli.Commands;

namespace Platform.Cli;

/// <summary>Builds the `platform` command tree and runs it.</summary>
internal static class PlatformCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Platform: MLOps for reinforcement-learning crypto trading (Binance klines, DQN agents, Temporal, MLflow).");
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(FeatureCommands.Create());
        root.Subcommands.Add(BacktestCommands.Create());
        root.Subcommands.Add(ResearchCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        root.Subcommands.Add(MlflowCommands.Create());
        root.Subcommands.Add(ExperimentCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TemporalCommands.Create());
        foreach (var command in LifecycleCommands.Create().Concat(RetrainingCommands.Create()).Concat(TradingStoreCommands.Create()))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Logs and CI output: wide tables rather than wrapped cells.
            Spectre.Console.AnsiConsole.Profile.Width = 160;
        }

        return await Build().Parse(args).InvokeAsync();
    }
}
