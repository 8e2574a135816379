using Platform.Domain;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Learning.Agents;
using Platform.Learning.Networks;
using Platform.Learning.Training;

namespace Platform.Learning.Tests;

/// <summary>
/// A synthetic BTCUSDT market with a known profitable pattern: the close alternates between 100 and 104 every hour, so
/// buying after a fall and selling after a rise earns about 4% per round trip minus 0.2% fees, while random trading
/// mostly pays fees. Features: the last log return only, window 4.
/// </summary>
internal sealed class ToyMarket
{
    public static readonly DateTimeOffset Start = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public ToyMarket(int hours = 1_200)
    {
        var klines = new List<Kline>(hours);
        for (var t = 0; t < hours; t++)
        {
            var close = t % 2 == 0 ? 100m : 104m;
            klines.Add(new Kline(Start.AddHours(t), close, close, close, close, 10m, TradeCount: 100, TakerBuyBaseVolume: 5m));
        }

        var series = new KlineSeries("BTCUSDT", KlineInterval.OneHour, klines);
        Data = new MarketDataSet(new Dictionary<string, KlineSeries> { ["BTCUSDT"] = series }, []);
        Frame = MarketFrame.Build(Data, "BTCUSDT", ["BTCUSDT"]);
        Features = FeatureBuilder.Build(Spec, Frame);
    }

    public static FeatureSpec Spec { get; } = new("toy", 1, WindowLength: 4, Lookback: 4, [new SymbolFeatures("BTCUSDT", [FeatureKind.LogReturn])]);

    public static TradingOptions Trading { get; } = new() { Symbol = "BTCUSDT", FeeRate = 0.001m };

    public MarketDataSet Data { get; }

    public MarketFrame Frame { get; }

    public FeatureMatrix Features { get; }

    public TrainingData TrainingData => new(Frame, Features, Trading, MarketContext.HashOf(Data, ["BTCUSDT"]));

    public static DateRange Hours(int from, int to) => new(Start.AddHours(from), Start.AddHours(to));

    public static DqnAgentOptions AgentOptions(QNetworkKind kind, int seed = 3, int epochs = 4) => new()
    {
        Kind = kind,
        HiddenSize = 8,
        MaxEpochs = epochs,
        Patience = 4,
        ValidationMetric = ValidationMetric.ReturnPct,
        Dqn = new DqnOptions
        {
            Seed = seed,
            Gamma = 0.9,
            LearningRate = 3e-3,
            BatchSize = 32,
            ReplayCapacity = 4_000,
            WarmupTransitions = 64,
            TargetSyncInterval = 100,
            EpsilonDecaySteps = 1_200,
            EpsilonEnd = 0.05,
        },
    };

    /// <summary>An untrained model over these features (fresh seeded weights), for tests that need any model.</summary>
    public DqnModel UntrainedModel(QNetworkKind kind, int batchSize = 8)
    {
        var agent = AgentOptions(kind);
        agent = agent with { Dqn = agent.Dqn with { BatchSize = batchSize, WarmupTransitions = batchSize } };
        return DqnModel.Untrained(TrainingData, Hours(0, 600), agent, "toy-" + kind);
    }
}
