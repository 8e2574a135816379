using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Models;
using Platform.Domain.Trading;

namespace Platform.TestSupport;

/// <summary>
/// A small deterministic model for service tests: Q(buy) = sum of the window's first feature, Q(sell) = its negation
/// shifted by the position, Q(hold) = a bias. Its decisions depend on the window and the position, as a DQN's do, so a
/// restart that lost either would show.
/// </summary>
public sealed class MomentumTestModel(FeatureSpec spec, string version, float holdBias = 0f) : ITradingModel
{
    public ModelIdentity Identity { get; } = new("test-momentum", version, "run-" + version, $"models:/test-momentum/{version}");

    public FeatureSpec FeatureSpec { get; } = spec;

    public NormalizationStats Normalization { get; } = new([.. Enumerable.Repeat(0d, spec.FeatureCount)], [.. Enumerable.Repeat(1d, spec.FeatureCount)]);

    public TradingOptions Trading { get; } = new() { Symbol = "BTCUSDT", FeeRate = 0.001m };

    public IBarDecider CreateDecider() => new Decider(FeatureSpec, holdBias);

    public IPolicy CreatePolicy(string name) => new DeciderPolicy(name, CreateDecider());

    public void Dispose()
    {
    }

    private sealed class Decider(FeatureSpec spec, float holdBias) : IBarDecider
    {
        private readonly Queue<(float Value, bool Complete)> window = new();

        public FeatureSpec Spec { get; } = spec;

        public int MaxLots => 1;

        public int ActionCount => 3;

        public bool CanDecide => window.Count == Spec.WindowLength && window.All(w => w.Complete);

        public void Push(ReadOnlySpan<float> rawFeatures, bool complete)
        {
            window.Enqueue((rawFeatures[0], complete));
            while (window.Count > Spec.WindowLength)
            {
                window.Dequeue();
            }
        }

        public TradeAction Decide(int openLots, Span<float> qValues)
        {
            if (!CanDecide)
            {
                qValues.Fill(float.NaN);
                return TradeAction.Hold;
            }

            var sum = window.Sum(w => w.Value);
            qValues[(int)TradeAction.Hold] = holdBias;
            qValues[(int)TradeAction.Buy] = sum * 100f;
            qValues[(int)TradeAction.Sell] = (-sum * 100f) + (openLots * 0.05f);
            return GreedyChoice.Of(qValues);
        }

        public void Reset() => window.Clear();
    }
}
