using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Learning.Evaluation;
using Platform.Reporting;

namespace Platform.Cli.Commands;

/// <summary>
/// A walk-forward folder: folds.csv (every fold × policy × fee), summary.csv and summary.json (median, mean, bootstrap
/// CI per metric), stitched-equity.csv, summary.md, and per fee level a chart of per-fold Sharpe per policy and one of
/// the stitched out-of-sample equity curves.
/// </summary>
internal static class WalkForwardReport
{
    public static IReadOnlyList<PolicySummary> Write(WalkForwardResult result, double periodsPerYear, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var summaries = WalkForwardSummary.Summarize(result, periodsPerYear, result.Options.Seed);
        var inv = CultureInfo.InvariantCulture;

        var folds = new StringBuilder("fold,policy,fee,train_from,train_to,validate_from,validate_to,test_from,test_to," + string.Join(",", FoldMetrics.All.Select(m => m.Name)) + ",best_epoch,validation_score\n");
        foreach (var t in result.Tests)
        {
            var f = result.Folds.First(x => x.Index == t.Fold);
            var training = result.Training.FirstOrDefault(x => x.Fold == t.Fold && x.Agent == t.Policy);
            folds.Append(inv, $"{t.Fold},{t.Policy},{t.Fee},{f.TrainFrom:O},{f.TrainTo:O},{f.ValidateFrom:O},{f.ValidateTo:O},{f.TestFrom:O},{f.TestTo:O},");
            folds.Append(string.Join(",", FoldMetrics.All.Select(m => m.Value(t.Metrics).ToString("0.######", inv))));
            folds.Append(inv, $",{training?.BestEpoch.ToString(inv) ?? ""},{training?.ValidationScore.ToString("0.######", inv) ?? ""}\n");
        }

        File.WriteAllText(Path.Combine(directory, "folds.csv"), folds.ToString());

        var summary = new StringBuilder("policy,fee,metric,folds,median,mean,ci_low,ci_high,min,max\n");
        foreach (var s in summaries)
        {
            foreach (var (name, m) in s.Metrics)
            {
                summary.Append(inv, $"{s.Policy},{s.Fee},{name},{m.Count},{m.Median:0.######},{m.Mean:0.######},{m.Low:0.######},{m.High:0.######},{m.Min:0.######},{m.Max:0.######}\n");
            }
        }

        File.WriteAllText(Path.Combine(directory, "summary.csv"), summary.ToString());

        var stitched = new StringBuilder("open_time," + string.Join(",", summaries.Select(s => $"{s.Policy}@{s.Fee.ToString(inv)}")) + "\n");
        if (summaries.Count > 0)
        {
            for (var i = 0; i < summaries[0].OpenTimeMs.Length; i++)
            {
                stitched.Append(inv, $"{DateTimeOffset.FromUnixTimeMilliseconds(summaries[0].OpenTimeMs[i]):O}");
                foreach (var s in summaries)
                {
                    stitched.Append(',').Append(i < s.StitchedEquity.Length ? s.StitchedEquity[i].ToString("0.########", inv) : "");
                }

                stitched.Append('\n');
            }
        }

        File.WriteAllText(Path.Combine(directory, "stitched-equity.csv"), stitched.ToString());
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(Document(result, summaries), BacktestReport.JsonOptions) + "\n");

        foreach (var fee in result.Options.Fees)
        {
            var label = fee.ToString(inv);
            var atFee = summaries.Where(s => s.Fee == fee).ToList();
            Charts.Compare(
                [.. atFee.Select(s => (s.Policy, result.Of(s.Policy, fee).Select(t => t.From.UtcDateTime.ToOADate()).ToArray(), result.Of(s.Policy, fee).Select(t => t.Metrics.Sharpe).ToArray()))],
                $"walk-forward · Sharpe of each test fold (plotted at its start) · fee {fee:P2}",
                Path.Combine(directory, $"sharpe-by-fold-fee-{label}.png"));
            Charts.Compare(
                [.. atFee.Select(s => (s.Policy, s.OpenTimeMs.Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToOADate()).ToArray(), s.StitchedEquity))],
                $"walk-forward · stitched out-of-sample equity (1 = start) · fee {fee:P2}",
                Path.Combine(directory, $"equity-fee-{label}.png"));
        }

        File.WriteAllText(Path.Combine(directory, "summary.md"), Markdown(result, summaries));
        return summaries;
    }

    private static object Document(WalkForwardResult result, IReadOnlyList<PolicySummary> summaries) => new
    {
        plan = result.Options.Plan,
        fees = result.Options.Fees,
        training_fee = result.Options.Trading.FeeRate,
        data_hash = result.DataHash,
        seconds = Math.Round(result.Elapsed.TotalSeconds, 1),
        folds = result.Folds,
        training = result.Training.Select(t => new { t.Fold, t.Agent, t.BestEpoch, t.Epochs, t.ValidationScore, seconds = Math.Round(t.Elapsed.TotalSeconds, 2) }),
        policies = summaries.Select(s => new
        {
            s.Policy,
            s.Fee,
            s.Folds,
            metrics = s.Metrics,
            stitched = new { sharpe = s.StitchedSharpe, return_pct = s.StitchedReturnPct, max_drawdown_pct = s.StitchedMaxDrawdownPct },
        }),
    };

    private static string Markdown(WalkForwardResult result, IReadOnlyList<PolicySummary> summaries)
    {
        var inv = CultureInfo.InvariantCulture;
        var plan = result.Options.Plan;
        var md = new StringBuilder();
        md.AppendLine(inv, $"# Walk-forward evaluation {plan.From:yyyy-MM-dd}..{plan.To:yyyy-MM-dd}");
        md.AppendLine();
        md.AppendLine(inv, $"{result.Folds.Count} folds: train {plan.TrainMonths} months, validate {plan.ValidateMonths} (model selection only), test {plan.TestMonths}, step {plan.Step}, embargo {plan.EmbargoHours} h between parts. Agents trained at fee {result.Options.Trading.FeeRate:P2}; every test part traded at each fee level. {result.Elapsed.TotalSeconds:0} s.");
        md.AppendLine();
        foreach (var fee in result.Options.Fees)
        {
            md.AppendLine(inv, $"## Fee {fee:P2}");
            md.AppendLine();
            md.AppendLine("| policy | median Sharpe | mean Sharpe [95% CI] | median return % | mean return % [95% CI] | median Sortino | worst max DD % | median max DD % | median trades | median fees | median exposure | stitched Sharpe | stitched return % |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var s in summaries.Where(s => s.Fee == fee))
            {
                var m = s.Metrics;
                md.AppendLine(inv, $"| {s.Policy} | {m["sharpe"].Median:0.00} | {m["sharpe"].Mean:0.00} [{m["sharpe"].Low:0.00}, {m["sharpe"].High:0.00}] | {m["return_pct"].Median:0.00} | {m["return_pct"].Mean:0.00} [{m["return_pct"].Low:0.00}, {m["return_pct"].High:0.00}] | {m["sortino"].Median:0.00} | {m["max_drawdown_pct"].Max:0.00} | {m["max_drawdown_pct"].Median:0.00} | {m["trades"].Median:0} | {m["fees_paid"].Median:0.00} | {m["exposure"].Median:0.00} | {s.StitchedSharpe:0.00} | {s.StitchedReturnPct:0.00} |");
            }

            md.AppendLine();
        }

        md.AppendLine("## Folds");
        md.AppendLine();
        foreach (var f in result.Folds)
        {
            md.AppendLine(inv, $"- {f}");
        }

        return md.ToString();
    }
}
