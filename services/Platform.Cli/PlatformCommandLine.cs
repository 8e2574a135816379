using System.CommandLine;

namespace Platform.Cli;

/// <summary>Builds the `platform` command tree and runs it.</summary>
internal static class PlatformCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Platform: MLOps for reinforcement-learning crypto trading.");
        root.Subcommands.Add(Commands.TemporalCommands.Create());
        return await root.Parse(args).InvokeAsync();
    }
}
