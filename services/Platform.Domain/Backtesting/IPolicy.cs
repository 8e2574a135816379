using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>What a policy may look at: the market frame and, for learned policies, the features (both causal).</summary>
public sealed record PolicyContext(MarketFrame Frame, FeatureMatrix? Features, int StartRow, int EndRow, int MaxLots);

/// <summary>
/// Decides an action at the close of each row. <see cref="Prepare"/> runs once per episode so that policies can do
/// batch work up front (e.g. a network's Q-values for every row and position state); <see cref="Decide"/> must then be
/// cheap and use nothing after <see cref="Observation.Row"/>.
/// </summary>
public interface IPolicy
{
    string Name { get; }

    void Prepare(PolicyContext context);

    TradeAction Decide(in Observation observation);
}
