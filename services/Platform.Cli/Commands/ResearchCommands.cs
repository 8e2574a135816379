using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Reporting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform research`: the research report on a data set: data validation, then every baseline policy backtested on
/// one range with the same costs, one folder per policy and a comparison.
/// </summary>
internal static class ResearchCommands
{
    public static Command Create()
    {
        var output = CommonOptions.Out("out/research");
        var shared = new BacktestOptionSet();
        var command = new Command("research", "Research report: validate the data, backtest every baseline policy on one range, compare (default range: the last 12 months of data)")
        {
            output,
        };
        shared.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            var tradedSymbol = shared.TradedSymbol(parse);
            var options = shared.Trading.Read(parse, tradedSymbol);
            var loaded = DataLoading.Load(parse.GetValue(shared.Data), shared.KlineInterval(parse));
            if (!loaded.Data.Series.ContainsKey(tradedSymbol))
            {
                throw new InvalidRequestException($"--symbol: no {tradedSymbol} files in --data (have: {string.Join(", ", loaded.Data.Series.Keys)})");
            }

            var frame = MarketFrame.Build(loaded.Data, tradedSymbol, [tradedSymbol]);
            var end = shared.ToTime(parse) ?? frame.OpenTime(frame.Length - 1) + frame.Interval.Length;
            var start = shared.FromTime(parse) ?? Max(frame.OpenTime(0), end.AddYears(-1));
            var quality = DataLoading.ReportQuality(loaded, [tradedSymbol], start, end);

            var results = new List<BacktestResult>();
            CliProgress.Run(
                progress =>
                {
                    var task = progress.AddTask("backtesting baselines", maxValue: BaselinePolicies.Names.Count);
                    foreach (var name in BaselinePolicies.Names)
                    {
                        var result = Backtester.Run(frame, null, BaselinePolicies.Create(name, parse.GetValue(shared.Seed)), options, start, end);
                        BacktestReport.Write(result, options, quality, Path.Combine(directory, name));
                        results.Add(result);
                        task.Increment(1);
                    }

                    task.StopTask();
                },
                autoClear: true,
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn());

            ResearchReport.Write(loaded, results, options, quality, directory);
            BacktestCommands.PrintMetrics(results);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"report: [blue]{Path.Combine(directory, "summary.md")}[/]");
            return 0;
        }));
        return command;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>The research report's top-level files: summary.md, summary.json, validation.json and a comparison chart.</summary>
internal static class ResearchReport
{
    public static void Write(Platform.MarketData.LoadedMarketData loaded, IReadOnlyList<BacktestResult> results, Platform.Domain.Trading.TradingOptions options, Platform.Domain.MarketData.DataQuality quality, string directory)
    {
        var documents = results.Select(r => BacktestMetricsDocument.Of(r, options, quality)).ToList();
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(new { data_quality = quality, policies = documents }, BacktestReport.JsonOptions) + "\n");
        Charts.Compare(
            [.. results.Select(r => (r.Policy, r.OpenTimeMs.Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToOADate()).ToArray(), r.Equity.Select(e => (double)(e - r.Metrics.InitialEquity)).ToArray()))],
            $"{options.Symbol}: cumulative profit by policy (USDT)",
            Path.Combine(directory, "profit-by-policy.png"));

        var first = results[0];
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Research report: {options.Symbol}, {first.From:yyyy-MM-dd} to {first.To:yyyy-MM-dd} (UTC, end exclusive)");
        sb.AppendLine();
        sb.AppendLine("## Data");
        sb.AppendLine();
        sb.AppendLine("| symbol | rows | accepted | rejected | zero-volume | missing bars | first | last |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in loaded.Data.Reports)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Symbol} | {r.RowsRead} | {r.RowsAccepted} | {r.Rejected.Count} | {r.Warnings.Count} | {r.MissingBars} | {r.First:yyyy-MM-dd HH:mm} | {r.Last:yyyy-MM-dd HH:mm} |");
        }

        var common = loaded.Data.CommonMissingOpenTimes();
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Open times missing in every symbol ({common.Count}): {string.Join(", ", common.Select(t => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)))}.");
        sb.AppendLine();
        sb.AppendLine(BacktestReport.DataQualityLine(quality));
        sb.AppendLine();
        sb.AppendLine("## Policies");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Start {options.InitialCash:N0} USDT, fee {options.FeeRate * 100m:0.###}% per fill, slippage {options.SlippageBps} bps, sizing {options.Sizing} {options.SizeValue}; fills at the bar's close.");
        sb.AppendLine();
        sb.AppendLine("| policy | final profit (USDT) | return % | buys | sells | Sharpe | Sortino | max drawdown % | win rate | fees (USDT) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var m = r.Metrics;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| [{r.Policy}]({r.Policy}/summary.md) | {m.FinalProfit:N2} | {m.ReturnPct:0.00} | {m.BuyOrders} | {m.SellOrders} | {m.Sharpe:0.00} | {m.Sortino:0.00} | {m.MaxDrawdownPct:0.00} | {m.WinRate:P1} | {m.FeesPaid:N2} |");
        }

        sb.AppendLine();
        sb.AppendLine("![cumulative profit by policy](profit-by-policy.png)");
        File.WriteAllText(Path.Combine(directory, "summary.md"), sb.ToString());
    }
}
