using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Domain.Backtesting;
using Platform.Domain.MarketData;
using Platform.Learning.Experiments;
using Platform.Reporting;

namespace Platform.Cli.Commands;

/// <summary>One Table-I row: the paper's quantities plus risk, per policy.</summary>
internal sealed record ExperimentPolicyRow(
    string Policy,
    string Kind,
    bool? OnlineLearning,
    decimal FinalProfit,
    int BuyOrders,
    int SellOrders,
    double ReturnPct,
    double Sharpe,
    double MaxDrawdownPct,
    decimal FeesPaid)
{
    public static ExperimentPolicyRow Of(BacktestResult result, string kind, bool? online)
    {
        var m = result.Metrics;
        return new ExperimentPolicyRow(result.Policy, kind, online, m.FinalProfit, m.BuyOrders, m.SellOrders, Math.Round(m.ReturnPct, 4), Math.Round(m.Sharpe, 4), Math.Round(m.MaxDrawdownPct, 4), m.FeesPaid);
    }
}

/// <summary>
/// The experiment's folder: summary.md and summary.json (Table I style), a profit comparison chart, the trained models,
/// and one research-core backtest report (metrics, trades, equity, price/profit/capital charts) per policy.
/// </summary>
internal static class ExperimentReport
{
    public static void Write(PaperExperimentResult result, DataQuality quality, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var options = result.Options;
        var trading = options.Trading;
        var rows = new List<ExperimentPolicyRow>();
        var runs = new List<BacktestResult>();
        foreach (var agent in result.Agents)
        {
            agent.Training.Model.Save(Path.Combine(directory, "models", agent.Name + ".dqn"));
            BacktestReport.Write(agent.Greedy, trading, quality, Path.Combine(directory, agent.Greedy.Policy));
            BacktestReport.Write(agent.Online, trading, quality, Path.Combine(directory, agent.Online.Policy));
            rows.Add(ExperimentPolicyRow.Of(agent.Greedy, "dqn", false));
            rows.Add(ExperimentPolicyRow.Of(agent.Online, "dqn", true));
            runs.Add(agent.Greedy);
            runs.Add(agent.Online);
        }

        foreach (var baseline in result.Baselines)
        {
            BacktestReport.Write(baseline, trading, quality, Path.Combine(directory, baseline.Policy));
            rows.Add(ExperimentPolicyRow.Of(baseline, "baseline", null));
            runs.Add(baseline);
        }

        Charts.Compare(
            [.. runs.Select(r => (r.Policy, r.OpenTimeMs.Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToOADate()).ToArray(), r.Equity.Select(e => (double)(e - r.Metrics.InitialEquity)).ToArray()))],
            $"{trading.Symbol}: cumulative profit by policy (USDT), {options.Trade}",
            Path.Combine(directory, "profit-by-policy.png"));

        var document = new
        {
            Experiment = new
            {
                Symbol = trading.Symbol,
                Train = options.Train.ToString(),
                Validate = options.Validate.ToString(),
                Trade = options.Trade.ToString(),
                trading.FeeRate,
                trading.SlippageBps,
                trading.InitialCash,
                Sizing = trading.Sizing.ToString(),
                trading.SizeValue,
                trading.MaxLots,
                options.Seed,
                FeatureSpec = options.Features.Name,
                FeatureSpecHash = options.Features.ContentHash,
                result.DataHash,
                Reward = RewardText,
                ElapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 1),
            },
            DataQuality = quality,
            Policies = rows,
            Training = result.Agents.Select(a => new
            {
                Agent = a.Name,
                Network = a.Training.Model.Metadata.Network,
                a.Training.BestEpoch,
                a.Training.StoppedEarly,
                ValidationMetric = a.Training.Model.Metadata.ValidationMetric,
                ValidationScore = Math.Round(a.Training.Model.Metadata.ValidationScore, 4),
                ElapsedSeconds = Math.Round(a.Training.Elapsed.TotalSeconds, 1),
                a.Training.Epochs,
                Online = a.OnlineStats,
            }),
        };
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(document, BacktestReport.JsonOptions) + "\n");
        File.WriteAllText(Path.Combine(directory, "summary.md"), Markdown(result, quality, rows));
    }

    private const string RewardText =
        "reward of a step = (equity at the next bar's close - equity before acting) / initial cash x 100, " +
        "i.e. the trading environment's change in equity (fees included) in percent of starting capital";

    private static string Markdown(PaperExperimentResult result, DataQuality quality, IReadOnlyList<ExperimentPolicyRow> rows)
    {
        var options = result.Options;
        var trading = options.Trading;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# The paper's experiment: {trading.Symbol}, trading {options.Trade} UTC");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Trained on {options.Train}, best epoch chosen on {options.Validate}, traded on {options.Trade} (end exclusive). " +
            $"Features: `{options.Features.Name}` ({string.Join(", ", options.Features.Symbols)}; window {options.Features.WindowLength}); BTCUSDT traded. " +
            $"Start {trading.InitialCash:N0} USDT, fee {trading.FeeRate * 100m:0.###}% per fill, slippage {trading.SlippageBps} bps, sizing {trading.Sizing} {trading.SizeValue}, at most {trading.MaxLots} lot(s); fills at the bar's close. Seed {options.Seed}.");
        sb.AppendLine();
        sb.AppendLine(BacktestReport.DataQualityLine(quality));
        if (options.Trade.From < options.Validate.To && options.Trade.To > options.Validate.From)
        {
            sb.AppendLine();
            sb.AppendLine("Note: the trading range overlaps the validation range, so model selection has seen part of the trading period.");
        }

        sb.AppendLine();
        sb.AppendLine("## Results (Table I style)");
        sb.AppendLine();
        sb.AppendLine("| policy | online learning | final profit (USDT) | buy orders | sell orders | return % | Sharpe | max drawdown % | fees (USDT) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var online = r.OnlineLearning switch { true => "on", false => "off", null => "-" };
            sb.AppendLine(CultureInfo.InvariantCulture, $"| [{r.Policy}]({r.Policy}/summary.md) | {online} | {r.FinalProfit:N2} | {r.BuyOrders} | {r.SellOrders} | {r.ReturnPct:0.00} | {r.Sharpe:0.00} | {r.MaxDrawdownPct:0.00} | {r.FeesPaid:N2} |");
        }

        sb.AppendLine();
        sb.AppendLine("![cumulative profit by policy](profit-by-policy.png)");
        sb.AppendLine();
        sb.AppendLine("## Training");
        sb.AppendLine();
        sb.AppendLine("| agent | network | hidden | epochs run | best epoch | early stop | validation | time (s) | online: updates / target syncs |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var a in result.Agents)
        {
            var meta = a.Training.Model.Metadata;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {a.Name} | {meta.Network.Kind} | {meta.Network.HiddenSize} | {a.Training.Epochs.Count} | {a.Training.BestEpoch} | {(a.Training.StoppedEarly ? "yes" : "no")} | {meta.ValidationMetric} {meta.ValidationScore:0.00} | {a.Training.Elapsed.TotalSeconds:0} | {a.OnlineStats.Updates} / {a.OnlineStats.TargetSyncs} |");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Reward: {RewardText}. The agent's state is the normalised feature window plus its position (open lots / max lots).");
        sb.AppendLine("Online learning on: the target network acts and is refreshed from the policy network every K steps while the policy network learns from each new transition; off: the selected weights trade greedily.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Models: `models/<agent>.dqn` (weights + metadata). Data hash `{result.DataHash[..16]}…`. Whole experiment: {result.Elapsed.TotalSeconds:0} s.");
        return sb.ToString();
    }
}
