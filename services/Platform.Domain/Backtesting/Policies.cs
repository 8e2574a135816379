using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>Buys at the first row and holds to the end: the market's own return, minus one fee.</summary>
public sealed class BuyAndHoldPolicy : IPolicy
{
    public string Name => "buy-and-hold";

    public void Prepare(PolicyContext context)
    {
    }

    public TradeAction Decide(in Observation observation) => observation.IsFlat ? TradeAction.Buy : TradeAction.Hold;
}

/// <summary>Never trades: zero return, the floor every strategy should clear after fees.</summary>
public sealed class AlwaysFlatPolicy : IPolicy
{
    public string Name => "always-flat";

    public void Prepare(PolicyContext context)
    {
    }

    public TradeAction Decide(in Observation observation) => TradeAction.Hold;
}

/// <summary>Uniformly random actions from a seeded generator: what "no skill" looks like with the same trading costs.</summary>
public sealed class RandomPolicy(int seed) : IPolicy
{
    private Random random = new(seed);

    public string Name => "random";

    public void Prepare(PolicyContext context) => random = new Random(seed);

    public TradeAction Decide(in Observation observation) => (TradeAction)random.Next(3);
}

/// <summary>
/// Time-series momentum: long while the traded symbol's return over the last the lookback rows exceeds
/// the threshold, flat when it falls below −threshold.
/// </summary>
public sealed class MomentumPolicy : IPolicy
{
    private readonly int lookback;
    private readonly double threshold;
    private double[] close = [];

    public MomentumPolicy(int lookback = 24, double threshold = 0.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lookback, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        this.lookback = lookback;
        this.threshold = threshold;
    }

    public string Name => "momentum";

    public void Prepare(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        close = context.Frame[context.Frame.TradedSymbol].Close;
    }

    public TradeAction Decide(in Observation observation)
    {
        var t = observation.Row;
        if (t < lookback)
        {
            return TradeAction.Hold;
        }

        var change = (close[t] / close[t - lookback]) - 1d;
        if (change > threshold)
        {
            return TradeAction.Buy;
        }

        return change < -threshold ? TradeAction.Sell : TradeAction.Hold;
    }
}

/// <summary>The baseline policies by name, so every model result can be put in context.</summary>
public static class BaselinePolicies
{
    public static IReadOnlyList<string> Names { get; } = ["buy-and-hold", "always-flat", "random", "momentum"];

    public static IPolicy Create(string name, int seed = 42) => name switch
    {
        "buy-and-hold" => new BuyAndHoldPolicy(),
        "always-flat" => new AlwaysFlatPolicy(),
        "random" => new RandomPolicy(seed),
        "momentum" => new MomentumPolicy(),
        _ => throw new InvalidRequestException($"Unknown policy '{name}' (known: {string.Join(", ", Names)})."),
    };
}
