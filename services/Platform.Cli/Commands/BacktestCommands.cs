using System.CommandLine;
using System.Globalization;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Reporting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform backtest`: one policy over one date range, with a report folder.</summary>
internal static class BacktestCommands
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = $"Policy: {string.Join(", ", BaselinePolicies.Names)}", Required = true };
        var output = CommonOptions.Out("out/backtest");
        var shared = new BacktestOptionSet();
        var command = new Command("backtest", "Backtest a policy on Binance klines and write metrics.json, trades.csv, equity.csv, charts and summary.md")
        {
            policy, output,
        };
        shared.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            var tradedSymbol = shared.TradedSymbol(parse);
            var options = shared.Trading.Read(parse, tradedSymbol);
            var chosen = BaselinePolicies.Create(parse.GetValue(policy)!, parse.GetValue(shared.Seed));
            var loaded = DataLoading.Load(parse.GetValue(shared.Data), shared.KlineInterval(parse), [tradedSymbol]);
            var frame = MarketFrame.Build(loaded.Data, tradedSymbol, [tradedSymbol]);
            var (start, end) = Range(frame, shared.FromTime(parse), shared.ToTime(parse));
            var result = Backtester.Run(frame, null, chosen, options, start, end);
            var quality = DataLoading.ReportQuality(loaded, [tradedSymbol], start, end);
            BacktestReport.Write(result, options, quality, directory);
            PrintMetrics([result]);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"report: [blue]{Path.Combine(directory, "summary.md")}[/]");
            return 0;
        }));
        return command;
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
