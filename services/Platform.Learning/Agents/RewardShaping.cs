using Platform.Domain.Trading;

namespace Platform.Learning.Agents;

/// <summary>What the agent is trained to maximise (the environment's accounting is the same for all).</summary>
public enum RewardVariant
{
    /// <summary>Change in equity (fees included) in percent of the initial cash: the paper's reward.</summary>
    EquityChange,

    /// <summary>Log return of equity over the step, in percent: compounding-aware and scale-free.</summary>
    LogReturn,

    /// <summary>Moody and Saffell's differential Sharpe ratio: each step's marginal contribution to an exponentially weighted Sharpe ratio.</summary>
    DifferentialSharpe,
}

/// <summary>
/// Turns one episode's environment steps into learning rewards for a <see cref="RewardVariant"/>, minus an optional
/// action cost per fill (a fee- and turnover-aware penalty on top of the fees the accounting already charges).
/// Tracks the episode's equity itself: rewards telescope (equity before acting at t+1 − equity before acting at t).
/// </summary>
public sealed class RewardShaper
{
    private readonly DqnAgentOptions options;
    private readonly TradingOptions trading;
    private double equity;
    private double meanReturn;
    private double meanSquare;

    public RewardShaper(DqnAgentOptions options, TradingOptions trading)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        this.options = options;
        this.trading = trading;
        equity = (double)trading.InitialCash;
    }

    public float Next(in StepResult step)
    {
        var before = equity;
        var change = (double)step.Reward;
        equity += change;
        var reward = options.Reward switch
        {
            RewardVariant.EquityChange => DqnTrainer.Reward(step.Reward, trading, options),
            RewardVariant.LogReturn => before > 0 && equity > 0 ? Math.Log(equity / before) * options.RewardScale : 0,
            RewardVariant.DifferentialSharpe => DifferentialSharpe(before > 0 ? change / before : 0) * options.RewardScale / 100,
            _ => throw new InvalidOperationException($"Unknown reward variant {options.Reward}."),
        };
        if (step.Trade is not null)
        {
            reward -= options.ActionCostPct * options.RewardScale / 100;
        }

        return (float)reward;
    }

    private double DifferentialSharpe(double r)
    {
        var eta = options.DifferentialSharpeRate;
        var deltaMean = r - meanReturn;
        var deltaSquare = (r * r) - meanSquare;
        var variance = meanSquare - (meanReturn * meanReturn);
        var d = variance > 1e-12 ? ((meanSquare * deltaMean) - (0.5 * meanReturn * deltaSquare)) / Math.Pow(variance, 1.5) : 0;
        meanReturn += eta * deltaMean;
        meanSquare += eta * deltaSquare;

        // A single step can blow up while the variance estimate is young; keep the TD targets bounded.
        return Math.Clamp(d, -10, 10);
    }
}
