using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Domain.Models;

/// <summary>Which model this is: its name, registry version and run (null for a file), and the reference it was loaded by.</summary>
public sealed record ModelIdentity(string Name, string? Version, string? RunId, string Reference);

/// <summary>
/// A loaded trading model, whatever its kind: what it reads (feature spec and its own normalisation), how it trades
/// (its <see cref="TradingOptions"/>), and a policy that decides on those features.
/// </summary>
public interface ITradingModel : IDisposable
{
    ModelIdentity Identity { get; }

    FeatureSpec FeatureSpec { get; }

    NormalizationStats Normalization { get; }

    /// <summary>The options the model was trained to trade with (symbol, sizing, lots, costs).</summary>
    TradingOptions Trading { get; }

    /// <summary>The model deciding bar by bar from raw feature rows built with <see cref="FeatureSpec"/> (it normalises them itself).</summary>
    IBarDecider CreateDecider();

    /// <summary>A backtest policy over <see cref="CreateDecider"/>: the computation paper and live trading run, bar by bar.</summary>
    IPolicy CreatePolicy(string name);
}

/// <summary>The port that loads a trading model by reference (registry alias or version, or a file).</summary>
public interface IModelLoader
{
    /// <exception cref="ArgumentException">The reference names nothing loadable (no such alias, version or file).</exception>
    Task<ITradingModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken = default);
}
