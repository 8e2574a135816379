using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.Learning.Networks;

namespace Platform.Learning.Agents;

/// <summary>
/// Acts greedily with a fixed Q-network. <see cref="Prepare"/> computes the greedy action for every row of the episode
/// and every position state in large batches (<see cref="GreedyActionTable"/>); <see cref="Decide"/> is a look-up.
/// </summary>
public sealed class GreedyDqnPolicy : IPolicy
{
    private readonly QNetwork network;
    private readonly Func<FeatureMatrix, AgentStates> statesFor;
    private readonly int maxLots;
    private GreedyActionTable? table;

    /// <param name="statesFor">Turns the episode's raw features into the network's (normalised) states.</param>
    public GreedyDqnPolicy(string name, QNetwork network, Func<FeatureMatrix, AgentStates> statesFor, int maxLots)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(statesFor);
        Name = name;
        this.network = network;
        this.statesFor = statesFor;
        this.maxLots = maxLots;
    }

    public string Name { get; }

    public void Prepare(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var features = context.Features ?? throw new ArgumentException($"Policy '{Name}' needs features; the backtest was given none.");
        if (context.MaxLots != maxLots)
        {
            throw new InvalidRequestException($"Policy '{Name}' was trained with at most {maxLots} open lot(s); the backtest allows {context.MaxLots}.");
        }

        table = GreedyActionTable.Compute(network, statesFor(features), context.StartRow, context.EndRow);
    }

    public TradeAction Decide(in Observation observation)
    {
        var current = table ?? throw new InvalidOperationException("Prepare must run before Decide.");
        return current.At(observation.Row, observation.OpenLots);
    }
}
