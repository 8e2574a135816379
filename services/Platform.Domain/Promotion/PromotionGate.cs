namespace Platform.Domain.Promotion;

/// <summary>Thresholds of the champion-challenger gate; every one is configurable.</summary>
public sealed record PromotionThresholds
{
    /// <summary>The challenger's annualised Sharpe must exceed the champion's by at least this much.</summary>
    public double MinSharpeImprovement { get; init; }

    /// <summary>The challenger's max drawdown on the evaluation range must not exceed this (percent).</summary>
    public double MaxDrawdownPct { get; init; } = 35d;

    /// <summary>Buys plus sells on the evaluation range: a model that barely trades proves nothing.</summary>
    public int MinTrades { get; init; } = 10;

    /// <summary>Deflated Sharpe probability the challenger must reach, given every candidate trained.</summary>
    public double MinDeflatedSharpeProbability { get; init; } = 0.5;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxDrawdownPct is <= 0 or > 100)
        {
            errors.Add($"max drawdown bound must be in (0, 100] percent (got {MaxDrawdownPct})");
        }

        if (MinTrades < 0)
        {
            errors.Add($"minimum trades cannot be negative (got {MinTrades})");
        }

        if (MinDeflatedSharpeProbability is < 0 or > 1)
        {
            errors.Add($"deflated Sharpe probability must be in [0, 1] (got {MinDeflatedSharpeProbability})");
        }

        return errors;
    }
}

/// <summary>How one model did on the shared out-of-sample range.</summary>
public sealed record CandidateEvaluation(string Model, string Version, double Sharpe, double MaxDrawdownPct, int Trades, double FinalProfit, IReadOnlyList<double> PeriodReturns);

/// <summary>One check of the gate with the numbers behind it, for the audit log and the model version's tags.</summary>
public sealed record GateCheck(string Name, double Value, double? Threshold, bool Passed, string Explanation);

public sealed record GateDecision(bool Passed, IReadOnlyList<GateCheck> Checks)
{
    public string Summary => Passed
        ? "all checks passed"
        : "failed: " + string.Join("; ", Checks.Where(c => !c.Passed).Select(c => c.Explanation));
}

/// <summary>
/// Decides whether a challenger may replace the champion: better Sharpe, bounded drawdown, enough trades, and a
/// deflated Sharpe ratio that survives the number of candidates tried (an overfitting check).
/// </summary>
public static class PromotionGate
{
    public static GateDecision Evaluate(CandidateEvaluation challenger, CandidateEvaluation? champion, IReadOnlyList<CandidateEvaluation> allCandidates, PromotionThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(allCandidates);
        ArgumentNullException.ThrowIfNull(thresholds);
        var errors = thresholds.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid promotion thresholds: " + string.Join("; ", errors));
        }

        var checks = new List<GateCheck>();

        // With no champion yet there is nothing to beat: the best challenger is proposed on the other checks alone.
        var bar = (champion?.Sharpe ?? 0d) + thresholds.MinSharpeImprovement;
        checks.Add(new GateCheck(
            "sharpe",
            challenger.Sharpe,
            champion is null ? null : bar,
            champion is null || challenger.Sharpe > bar,
            champion is null
                ? $"Sharpe {challenger.Sharpe:0.###} (no champion yet: nothing to beat)"
                : $"Sharpe {challenger.Sharpe:0.###} vs champion {champion.Sharpe:0.###} + margin {thresholds.MinSharpeImprovement:0.###}"));
        checks.Add(new GateCheck(
            "max_drawdown_pct",
            challenger.MaxDrawdownPct,
            thresholds.MaxDrawdownPct,
            challenger.MaxDrawdownPct <= thresholds.MaxDrawdownPct,
            $"max drawdown {challenger.MaxDrawdownPct:0.##}% vs bound {thresholds.MaxDrawdownPct:0.##}%"));
        checks.Add(new GateCheck(
            "trades",
            challenger.Trades,
            thresholds.MinTrades,
            challenger.Trades >= thresholds.MinTrades,
            $"{challenger.Trades} trades vs minimum {thresholds.MinTrades}"));

        var trialSharpes = allCandidates.Select(c => PerPeriodSharpe(c.PeriodReturns)).ToList();
        var dsr = DeflatedSharpe.Probability(challenger.PeriodReturns, trialSharpes);
        checks.Add(new GateCheck(
            "deflated_sharpe_probability",
            dsr,
            thresholds.MinDeflatedSharpeProbability,
            dsr >= thresholds.MinDeflatedSharpeProbability,
            $"deflated Sharpe probability {dsr:0.###} over {allCandidates.Count} candidate(s) vs minimum {thresholds.MinDeflatedSharpeProbability:0.###}"));
        return new GateDecision(checks.TrueForAll(c => c.Passed), checks);
    }

    private static double PerPeriodSharpe(IReadOnlyList<double> returns)
    {
        var (mean, std, _, _) = Statistics.Moments(returns);
        return std > 0 ? mean / std : 0d;
    }
}
