using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Domain.Trading;
using Platform.Mlflow;
using Platform.Models;
using Platform.Reporting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform backtest`: one policy over one date range, with a report folder.</summary>
internal static class BacktestCommands
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = $"Policy: {string.Join(", ", BaselinePolicies.Names)}, or '{ModelPolicy}' (a trained DQN, see --model)", Required = true };
        var model = new Option<string?>("--model") { Description = "With --policy model: models:/NAME@ALIAS or models:/NAME/VERSION (registry at MLFLOW_TRACKING_URI) or a checkpoint file PATH.dqn" };
        var output = CommonOptions.Out("out/backtest");
        var shared = new BacktestOptionSet();
        var command = new Command("backtest", "Backtest a policy on Binance klines and write metrics.json, trades.csv, equity.csv, charts and summary.md")
        {
            policy, model, output,
        };
        shared.AddTo(command);
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            var tradedSymbol = shared.TradedSymbol(parse);
            var name = parse.GetValue(policy)!;
            var reference = parse.GetValue(model);
            if ((name == ModelPolicy) != (reference is not null))
            {
                throw new InvalidRequestException(name == ModelPolicy ? "--policy model needs --model models:/NAME@ALIAS, models:/NAME/VERSION or PATH.dqn" : $"--model is only used with --policy {ModelPolicy}");
            }

            BacktestResult result;
            TradingOptions options;
            DataQuality quality;
            if (reference is null)
            {
                options = shared.Trading.Read(parse, tradedSymbol);
                var chosen = BaselinePolicies.Create(name, parse.GetValue(shared.Seed));
                var loaded = DataLoading.Load(parse.GetValue(shared.Data), shared.KlineInterval(parse), [tradedSymbol]);
                var frame = MarketFrame.Build(loaded.Data, tradedSymbol, [tradedSymbol]);
                var (start, end) = Range(frame, shared.FromTime(parse), shared.ToTime(parse));
                result = Backtester.Run(frame, null, chosen, options, start, end);
                quality = DataLoading.ReportQuality(loaded, [tradedSymbol], start, end);
            }
            else
            {
                (result, options, quality) = await BacktestModelAsync(parse, shared, ModelReference.Parse(reference), tradedSymbol, cancellation);
            }

            BacktestReport.Write(result, options, quality, directory);
            PrintMetrics([result]);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"report: [blue]{Path.Combine(directory, "summary.md")}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>The --policy value that backtests a trained model.</summary>
    public const string ModelPolicy = "model";

    /// <summary>
    /// Loads the model (registry or file), builds its own feature spec over the data and backtests it greedily. Costs
    /// and capital are the command's; sizing and lots are the model's unless given (its position input is open lots / max lots).
    /// </summary>
    private static async Task<(BacktestResult Result, TradingOptions Options, DataQuality Quality)> BacktestModelAsync(ParseResult parse, BacktestOptionSet shared, ModelReference reference, string tradedSymbol, CancellationToken cancellation)
    {
        using var loaded = await LoadModelAsync(reference, cancellation);
        var options = shared.Trading.ReadFor(parse, tradedSymbol, loaded.Trading);
        var spec = loaded.FeatureSpec;
        var data = DataLoading.Load(parse.GetValue(shared.Data), shared.KlineInterval(parse), [.. MarketContext.SymbolsFor(spec, tradedSymbol)]);
        var market = MarketContext.Build(data.Data, spec, tradedSymbol);
        var (from, to) = Range(market.Frame, shared.FromTime(parse), shared.ToTime(parse));
        var label = loaded.Identity.Version is { } version ? $"{loaded.Identity.Name} v{version}" : loaded.Identity.Name;
        var quality = DataLoading.ReportQuality(data, MarketContext.SymbolsFor(spec, tradedSymbol), from, to);
        return (Backtester.Run(market.Frame, market.Features, loaded.CreatePolicy(label), options, from, to), options, quality);
    }

    /// <summary>A model by registry reference (the registry at MLFLOW_TRACKING_URI) or checkpoint file.</summary>
    public static async Task<LoadedDqnModel> LoadModelAsync(ModelReference reference, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(reference);
        using var mlflow = reference.IsRegistered && Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 }
            ? MlflowClient.Create(LifecycleCommands.MlflowOptions())
            : null;
        return await new DqnModelLoader(mlflow).LoadAsync(reference, cancellation);
    }

    /// <summary>The requested range, defaulting to the whole frame (to is one interval past the last row).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Range(MarketFrame frame, DateTimeOffset? from, DateTimeOffset? to) =>
        (from ?? frame.OpenTime(0), to ?? (frame.OpenTime(frame.Length - 1) + frame.Interval.Length));

    public static void PrintMetrics(IEnumerable<BacktestResult> results)
    {
        var table = new Table().AddColumns("policy", "final profit", "return %", "buys", "sells", "Sharpe", "Sortino", "max DD %", "win rate", "fees", "bars");
        foreach (var r in results)
        {
            var m = r.Metrics;
            table.AddRow(
                r.Policy,
                m.FinalProfit.ToString("N2", CultureInfo.InvariantCulture),
                m.ReturnPct.ToString("0.00", CultureInfo.InvariantCulture),
                m.BuyOrders.ToString(CultureInfo.InvariantCulture),
                m.SellOrders.ToString(CultureInfo.InvariantCulture),
                m.Sharpe.ToString("0.00", CultureInfo.InvariantCulture),
                m.Sortino.ToString("0.00", CultureInfo.InvariantCulture),
                m.MaxDrawdownPct.ToString("0.00", CultureInfo.InvariantCulture),
                m.WinRate.ToString("P1", CultureInfo.InvariantCulture),
                m.FeesPaid.ToString("N2", CultureInfo.InvariantCulture),
                m.Bars.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
    }
}
