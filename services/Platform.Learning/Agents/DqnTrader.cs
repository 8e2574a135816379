using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Learning.Agents;

/// <summary>Online learning's footprint on a trading run.</summary>
public sealed record OnlineLearningStats(long Steps, long Updates, long TargetSyncs, int HistoryTransitions);

/// <summary>Trades a trained model over a range in the research core's environment, with or without online learning.</summary>
public static class DqnTrader
{
    /// <summary>Greedy trading with fixed weights (batched network work, exact sequential accounting).</summary>
    public static BacktestResult TradeGreedy(DqnModel model, MarketFrame frame, FeatureMatrix rawFeatures, TradingOptions trading, DateRange range, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(range);
        return Backtester.Run(frame, rawFeatures, model.CreatePolicy(name), trading, range.From, range.To);
    }

    /// <summary>
    /// Trades with Target-Policy continuous learning: the model's weights start both networks; the target network acts,
    /// the policy network learns from each new transition, and the target is refreshed every K steps. The replay buffer
    /// first receives transitions from the rows just before the range (acted greedily by the model), so early updates do
    /// not overfit a handful of hours. Rows without a full feature window are held.
    /// </summary>
    public static (BacktestResult Result, OnlineLearningStats Stats) TradeOnline(
        DqnModel model, MarketFrame frame, FeatureMatrix rawFeatures, TradingOptions trading, DateRange range, OnlineLearningOptions online, string name, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(trading);
        var states = model.StatesFor(rawFeatures);
        var (start, end) = Backtester.RowRange(frame, range.From, range.To);
        using var learner = new OnlineLearner(model, online);
        var history = AddHistory(model, learner, frame, rawFeatures, trading, start, online.ReplayWarmupRows);

        var env = new TradingEnvironment(frame, trading, start, end);
        var done = 0;
        TransitionLoop.Run(
            env,
            states,
            model.Metadata.RewardScale,
            (ReadOnlySpan<float> state, in Observation _) => learner.Act(state),
            (state, action, reward, next, last) =>
            {
                learner.Observe(state, action, reward, next, last);
                if (++done % 64 == 0)
                {
                    progress?.Invoke(done, end - start);
                }
            });

        progress?.Invoke(end - start, end - start);
        var stats = new OnlineLearningStats(learner.Steps, learner.Learner.Updates, learner.Learner.TargetSyncs, history);
        return (Backtester.Collect(env, name, range.From, range.To), stats);
    }

    private static int AddHistory(DqnModel model, OnlineLearner learner, MarketFrame frame, FeatureMatrix rawFeatures, TradingOptions trading, int start, int rows)
    {
        var states = model.StatesFor(rawFeatures);
        var historyStart = Math.Max(states.FirstObservableRow, start - rows);
        if (start - historyStart < 2)
        {
            return 0;
        }

        var policy = model.CreatePolicy("history");
        policy.Prepare(new PolicyContext(frame, rawFeatures, historyStart, start, trading.MaxLots));
        return TransitionLoop.Run(
            new TradingEnvironment(frame, trading, historyStart, start),
            states,
            model.Metadata.RewardScale,
            (ReadOnlySpan<float> _, in Observation observation) => policy.Decide(observation),
            learner.AddHistory);
    }
}
