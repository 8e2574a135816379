using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Promotion;
using Platform.Domain.Trading;
using Platform.Mlflow;
using Platform.Mlflow.ModelFormat;
using Platform.Workflows;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>Out-of-sample evaluation of registered model versions, the promotion gate, and the audit log.</summary>
public sealed class PromotionActivities(IMarketDataStore store, MlflowClient mlflow, IAuditLog audit) : IPromotionActivities
{
    /// <summary>The activities' one ActivitySource: a span per model evaluated.</summary>
    public static readonly System.Diagnostics.ActivitySource Source = new("Platform.Activities.Promotion");

    [Activity("EvaluatePromotionGate")]
    public Task<GateResult> EvaluateGateAsync(EvaluateGateInput input) => InvalidRequestFailure.GuardAsync(() => EvaluateAsync(input));

    private async Task<GateResult> EvaluateAsync(EvaluateGateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        // Every candidate of the challenger's training run counts for the overfitting check, listed or not.
        var challengerVersion = await mlflow.GetModelVersionAsync(input.ModelName, input.ChallengerVersion, cancellation);
        var siblings = challengerVersion.Tags.FirstOrDefault(t => t.Key == "platform.candidates")?.Value.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var candidates = input.CandidateVersions.Concat(siblings).Append(input.ChallengerVersion).Distinct().ToList();
        var versions = candidates.Concat(input.ChampionVersion is null ? [] : [input.ChampionVersion]).Distinct().ToList();
        var format = new PlatformModelFormat(mlflow);
        var evaluations = new Dictionary<string, CandidateEvaluation>(StringComparer.Ordinal);
        MarketDataSet? data = null;
        foreach (var version in versions)
        {
            context.Heartbeat(version);
            using var span = Source.StartActivity("promotion.evaluate");
            span?.SetTag("model.version", version);
            var loaded = await format.LoadAsync($"models:/{input.ModelName}/{version}", new DqnCheckpointCodec(), cancellationToken: cancellation);
            using var model = loaded.Model;
            var spec = model.FeatureSpec;
            var symbols = spec.Symbols.Append(input.TradedSymbol).Distinct().ToList();
            if (data is null)
            {
                data = await StoredMarketData.LoadAsync(store, symbols, input.From.AddHours(-(spec.WindowLength + spec.Lookback + 48)), input.To, cancellation);
                StoredMarketData.Report(data, symbols, input.From, input.To, "evaluation data");
            }

            var frame = MarketFrame.Build(data, input.TradedSymbol, spec.Symbols);
            var features = FeatureBuilder.Build(spec, frame);
            var trading = new TradingOptions { Symbol = input.TradedSymbol, FeeRate = input.FeeRate, MaxLots = model.Metadata.MaxLots };
            BacktestResult result;
            try
            {
                result = Backtester.Run(frame, features, model.CreatePolicy($"v{version}"), trading, input.From, input.To);
            }
            catch (InvalidRequestException e)
            {
                throw InvalidRequestFailure.From(e, $"Version {version} cannot be evaluated on {input.From:yyyy-MM-dd}..{input.To:yyyy-MM-dd}");
            }

            evaluations[version] = new CandidateEvaluation(input.ModelName, version, result.Metrics.Sharpe, result.Metrics.MaxDrawdownPct, result.Metrics.BuyOrders + result.Metrics.SellOrders, (double)result.Metrics.FinalProfit, PeriodReturns(result, trading.InitialCash));
        }

        var challenger = evaluations[input.ChallengerVersion];
        var champion = input.ChampionVersion is null ? null : evaluations[input.ChampionVersion];
        var decision = PromotionGate.Evaluate(challenger, champion, [.. candidates.Select(v => evaluations[v])], input.Thresholds);
        return new GateResult(decision, Summarize(challenger), champion is null ? null : Summarize(champion));
    }

    [Activity("RecordAudit")]
    public Task RecordAuditAsync(AuditEntry entry) => audit.AppendAsync(entry, ActivityExecutionContext.Current.CancellationToken);

    private static CandidateSummary Summarize(CandidateEvaluation e) => new(e.Version, e.Sharpe, e.MaxDrawdownPct, e.Trades, e.FinalProfit);

    private static double[] PeriodReturns(BacktestResult result, decimal initial)
    {
        var returns = new double[result.Equity.Count];
        var previous = (double)initial;
        for (var i = 0; i < returns.Length; i++)
        {
            var e = (double)result.Equity[i];
            returns[i] = previous > 0 ? (e / previous) - 1 : 0;
            previous = e;
        }

        return returns;
    }
}
