using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Learning.Agents;
using Platform.Learning.Networks;
using Platform.Learning.Training;

namespace Platform.Learning.Tests;

public class DqnAgentTests
{
    private static readonly ToyMarket Market = new();

    [Fact]
    public void Train_ToyMarketWithKnownPattern_BeatsRandomClearly()
    {
        var outcome = DqnTrainer.Train(Market.TrainingData, ToyMarket.Hours(0, 600), ToyMarket.Hours(600, 800), ToyMarket.AgentOptions(QNetworkKind.Linear), "toy-linear");
        using var model = outcome.Model;
        var trade = ToyMarket.Hours(800, 1_000);

        var learned = DqnTrader.TradeGreedy(model, Market.Frame, Market.Features, ToyMarket.Trading, trade, "dqn");
        var random = Backtester.Run(Market.Frame, Market.Features, new RandomPolicy(5), ToyMarket.Trading, trade.From, trade.To);

        // Perfect play makes ~3.8% per two hours (≈ +4,000% compounded over 200 h); random trading loses fees.
        Assert.True(learned.Metrics.ReturnPct > 50, $"learned {learned.Metrics.ReturnPct:0.0}% vs random {random.Metrics.ReturnPct:0.0}%");
        Assert.True(learned.Metrics.ReturnPct > random.Metrics.ReturnPct + 50, $"learned {learned.Metrics.ReturnPct:0.0}% vs random {random.Metrics.ReturnPct:0.0}%");
    }

    [Fact]
    public void Train_SameSeedAndData_BitIdenticalWeightsAndMetrics()
    {
        var options = ToyMarket.AgentOptions(QNetworkKind.Lstm, seed: 9, epochs: 2);

        TrainingOutcome Run() => DqnTrainer.Train(Market.TrainingData, ToyMarket.Hours(0, 300), ToyMarket.Hours(300, 400), options, "toy-lstm");

        var first = Run();
        var second = Run();
        using var firstModel = first.Model;
        using var secondModel = second.Model;

        Assert.Equal(first.Model.Network.FlattenWeights(), second.Model.Network.FlattenWeights());
        Assert.Equal(first.Epochs, second.Epochs);
        var trade = ToyMarket.Hours(400, 500);
        var a = DqnTrader.TradeGreedy(first.Model, Market.Frame, Market.Features, ToyMarket.Trading, trade, "a");
        var b = DqnTrader.TradeGreedy(second.Model, Market.Frame, Market.Features, ToyMarket.Trading, trade, "a");
        Assert.Equal(a.Metrics, b.Metrics);
    }

    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public void GreedyActionTable_BatchedWindows_MatchSingleStateInference(QNetworkKind kind)
    {
        using var model = Market.UntrainedModel(kind);
        var states = model.StatesFor(Market.Features);
        using var learner = new DqnLearner(model.Metadata.Dqn, model.Network);
        var table = GreedyActionTable.Compute(model.Network, states, 0, 300);
        var state = new float[states.StateSize];

        for (var row = states.FirstObservableRow; row < 300; row += 7)
        {
            for (var lots = 0; lots <= states.MaxLots; lots++)
            {
                states.Write(row, lots, state);
                Assert.Equal(learner.GreedyAction(state, NetworkRole.Policy), (int)table.At(row, lots));
            }
        }

        Assert.Equal(Platform.Domain.Trading.TradeAction.Hold, table.At(0, 0));
    }

    [Fact]
    public void Observe_BeforeSync_ChangesPolicyButNotActingNetwork()
    {
        using var model = Market.UntrainedModel(QNetworkKind.Linear, batchSize: 8);
        using var online = new OnlineLearner(model, new OnlineLearningOptions { SyncEverySteps = 5 });
        var states = model.StatesFor(Market.Features);
        var state = new float[states.StateSize];
        var next = new float[states.StateSize];
        void Transition(int row, Action<float[], float[]> use)
        {
            states.Write(row, 0, state);
            states.Write(row + 1, 1, next);
            use(state, next);
        }

        for (var row = 10; row < 18; row++)
        {
            Transition(row, (s, n) => online.AddHistory(s, 1, 1f, n, false));
        }

        var actingBefore = online.Learner.Target.FlattenWeights();
        var policyBefore = online.Learner.Policy.FlattenWeights();
        var actionsBefore = Enumerable.Range(20, 10).Select(row => { states.Write(row, 0, state); return online.Act(state); }).ToArray();

        for (var row = 18; row < 22; row++)
        {
            Transition(row, (s, n) => online.Observe(s, 1, 1f, n, false));
        }

        Assert.Equal(4, online.Learner.Updates);
        Assert.NotEqual(policyBefore, online.Learner.Policy.FlattenWeights());
        Assert.Equal(actingBefore, online.Learner.Target.FlattenWeights());
        Assert.Equal(actionsBefore, Enumerable.Range(20, 10).Select(row => { states.Write(row, 0, state); return online.Act(state); }).ToArray());

        Transition(22, (s, n) => online.Observe(s, 1, 1f, n, false));

        Assert.Equal(1, online.Learner.TargetSyncs);
        Assert.Equal(online.Learner.Policy.FlattenWeights(), online.Learner.Target.FlattenWeights());
    }

    [Fact]
    public void TradeOnline_ToyMarket_LearnsAndSyncsEveryKSteps()
    {
        using var model = Market.UntrainedModel(QNetworkKind.Linear, batchSize: 8);

        var (result, stats) = DqnTrader.TradeOnline(model, Market.Frame, Market.Features, ToyMarket.Trading, ToyMarket.Hours(1_000, 1_100), new OnlineLearningOptions { SyncEverySteps = 10, ReplayWarmupRows = 100 }, "online");

        Assert.Equal(100, result.Metrics.Bars);
        Assert.Equal(100, stats.Steps);
        Assert.Equal(10, stats.TargetSyncs);
        Assert.Equal(100, stats.Updates);
        Assert.Equal(100, stats.HistoryTransitions);
    }

    [Fact]
    public void Train_OverlappingValidation_ThrowsClearError()
    {
        var error = Assert.Throws<InvalidRequestException>(() =>
            DqnTrainer.Train(Market.TrainingData, ToyMarket.Hours(0, 600), ToyMarket.Hours(500, 800), ToyMarket.AgentOptions(QNetworkKind.Linear), "x"));

        Assert.Contains("validation range", error.Message, StringComparison.Ordinal);
    }
}
