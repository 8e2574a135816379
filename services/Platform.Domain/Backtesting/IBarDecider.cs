using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>
/// A trading model deciding bar by bar: it takes each new row of raw features (built with <see cref="Spec"/>) and
/// answers the Q-values of the latest row given the position held. The backtest (through <see cref="DeciderPolicy"/>),
/// paper trading and the live decision service all drive this one interface row by row, so a bar decided live is
/// decided by the very computation the backtest ran — no batch shortcut that could round differently.
/// </summary>
public interface IBarDecider
{
    FeatureSpec Spec { get; }

    /// <summary>Open lots the model's position input is scaled by (its training's <see cref="TradingOptions.MaxLots"/>).</summary>
    int MaxLots { get; }

    /// <summary>Q-values per decision (one per <see cref="TradeAction"/>).</summary>
    int ActionCount { get; }

    /// <summary>True when the last <see cref="FeatureSpec.WindowLength"/> rows pushed were all complete.</summary>
    bool CanDecide { get; }

    /// <summary>Takes the next row of raw features; <paramref name="complete"/> = every feature of it is defined (warm-up done).</summary>
    void Push(ReadOnlySpan<float> rawFeatures, bool complete);

    /// <summary>
    /// The Q-values of the latest row holding <paramref name="openLots"/> into <paramref name="qValues"/> and the greedy
    /// action (ties go to the lowest action index). Without a full window: Hold, and the Q-values are NaN.
    /// </summary>
    TradeAction Decide(int openLots, Span<float> qValues);

    /// <summary>Forgets every row pushed (a new episode).</summary>
    void Reset();
}

/// <summary>The greedy choice over Q-values, shared by every decider: the first maximum wins, NaN never does.</summary>
public static class GreedyChoice
{
    public static TradeAction Of(ReadOnlySpan<float> qValues)
    {
        var best = 0;
        for (var a = 1; a < qValues.Length; a++)
        {
            if (qValues[a] > qValues[best] || (float.IsNaN(qValues[best]) && !float.IsNaN(qValues[a])))
            {
                best = a;
            }
        }

        return (TradeAction)best;
    }
}
