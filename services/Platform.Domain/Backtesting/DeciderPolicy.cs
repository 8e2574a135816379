using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>
/// A backtest policy over an <see cref="IBarDecider"/>: <see cref="Prepare"/> feeds the rows before the range, then each
/// <see cref="Decide"/> feeds its own row and asks the decider — exactly what the live path does one closed bar at a time.
/// </summary>
public sealed class DeciderPolicy : IPolicy
{
    private readonly IBarDecider decider;
    private readonly float[] qValues;
    private FeatureMatrix? features;
    private int nextRow;

    public DeciderPolicy(string name, IBarDecider decider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(decider);
        Name = name;
        this.decider = decider;
        qValues = new float[decider.ActionCount];
    }

    public string Name { get; }

    public void Prepare(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var matrix = context.Features ?? throw new ArgumentException($"Policy '{Name}' needs features; the backtest was given none.");
        if (matrix.Spec.ContentHash != decider.Spec.ContentHash)
        {
            throw new InvalidRequestException($"The features were built with spec '{matrix.Spec.Name}' ({matrix.Spec.ContentHash[..12]}); policy '{Name}' needs '{decider.Spec.Name}' ({decider.Spec.ContentHash[..12]}).");
        }

        if (context.MaxLots != decider.MaxLots)
        {
            throw new InvalidRequestException($"Policy '{Name}' was trained with at most {decider.MaxLots} open lot(s); the backtest allows {context.MaxLots}.");
        }

        decider.Reset();
        features = matrix;

        // Only the last window of rows before the range matters to the first decision.
        nextRow = Math.Max(0, context.StartRow - matrix.Spec.WindowLength);
        FeedThrough(context.StartRow - 1);
    }

    public TradeAction Decide(in Observation observation)
    {
        if (features is null)
        {
            throw new InvalidOperationException("Prepare must run before Decide.");
        }

        if (observation.Row < nextRow - 1)
        {
            throw new InvalidOperationException($"Policy '{Name}' decides rows in order: row {observation.Row} comes after row {nextRow - 1}.");
        }

        FeedThrough(observation.Row);
        return decider.Decide(observation.OpenLots, qValues);
    }

    private void FeedThrough(int lastRow)
    {
        var matrix = features!;
        for (; nextRow <= lastRow; nextRow++)
        {
            decider.Push(matrix.Row(nextRow), nextRow >= matrix.FirstCompleteRow);
        }
    }
}
