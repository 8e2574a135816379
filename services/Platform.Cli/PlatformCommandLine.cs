using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Platform.Cli.Commands;

namespace Platform.Cli;

/// <summary>Builds the `platform` command tree and runs it.</summary>
internal static partial class PlatformCommandLine
{
    /// <summary>The program's name in help and hints, whatever the executable or test host is called.</summary>
    public const string Name = "platform";

    public static Command Build()
    {
        // Not a RootCommand: that one is named after the executable (Platform.Cli, testhost), and help must say `platform`.
        var root = new Command(Name, "Platform: MLOps for reinforcement-learning crypto trading (Binance klines, DQN agents, Temporal, MLflow).")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(FeatureCommands.Create());
        root.Subcommands.Add(BacktestCommands.Create());
        root.Subcommands.Add(PaperCommands.Create());
        root.Subcommands.Add(ResearchCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        root.Subcommands.Add(MlflowCommands.Create());
        root.Subcommands.Add(ExperimentCommands.Create());
        root.Subcommands.Add(EvaluateCommands.Create());
        root.Subcommands.Add(SweepCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TemporalCommands.Create());
        root.Subcommands.Add(ExchangeCommands.Create());
        root.Subcommands.Add(KafkaCommands.Create());
        root.Subcommands.Add(StreamCommands.Create());
        root.Subcommands.Add(LiveCommands.Create());
        root.Subcommands.Add(TradeCommands.Create());
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

        var parse = Build().Parse(args);
        if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
        {
            // The most specific error first: an unknown word explains a "required command was not provided".
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            CliRunner.WriteError($"{Describe(error)} (see '{CommandPath(parse.CommandResult)} --help')");
            return CliRunner.UserError;
        }

        return await parse.InvokeAsync();
    }

    /// <summary>A parse error in the user's terms: the option and the value, never a .NET type name.</summary>
    internal static string Describe(ParseError error)
    {
        var match = CannotParse().Match(error.Message);
        if (!match.Success)
        {
            return error.Message.TrimEnd('.');
        }

        var expected = match.Groups["type"].Value switch
        {
            "System.Decimal" or "System.Double" or "System.Single" => "a finite number",
            "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
            "System.Boolean" => "true or false",
            "System.DateTimeOffset" or "System.DateTime" => "a date like 2022-01-01",
            "System.TimeSpan" => "a duration like 01:30:00",
            var other => $"a valid {other[(other.LastIndexOf('.') + 1)..].ToLowerInvariant()}",
        };
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}";
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (option|command) '(?<option>[^']*)' as expected type '(?<type>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex CannotParse();
}
