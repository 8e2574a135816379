using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Trading;
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
    [InlineData(QNetworkKind.Linear, false)]
    [InlineData(QNetworkKind.Linear, true)]
    [InlineData(QNetworkKind.Lstm, false)]
    [InlineData(QNetworkKind.Lstm, true)]
    public void QValues_RandomStates_MatchTorchForwardToFloatRounding(QNetworkKind kind, bool dueling)
    {
        var spec = new QNetworkSpec { Kind = kind, WindowLength = 6, FeatureCount = 5, HiddenSize = 16, ExtraInputs = 1, Dueling = dueling };
        using var network = QNetwork.Create(spec, seed: 11);
        var inference = QNetworkInference.From(network);
        var random = new Random(3);
        var states = new float[40 * spec.StateSize];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = (float)((random.NextDouble() * 6) - 3);
        }

        var expected = new float[40 * spec.ActionCount];
        DqnLearner.ComputeQValues(network, states, 40, expected);
        var q = new float[spec.ActionCount];
        for (var s = 0; s < 40; s++)
        {
            var state = states.AsSpan(s * spec.StateSize, spec.StateSize);
            inference.QValuesOfWindow(state[..spec.WindowSize], state[spec.WindowSize..], q);
            for (var a = 0; a < q.Length; a++)
            {
                var want = expected[(s * spec.ActionCount) + a];
                Assert.True(Math.Abs(q[a] - want) <= 1e-4 * Math.Max(1, Math.Abs(want)), $"state {s} action {a}: managed {q[a]} vs torch {want}");
            }
        }
    }

    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public void CreatePolicy_Backtest_DecidesWhatTheDeciderDecidesRowByRow(QNetworkKind kind)
    {
        using var model = Market.UntrainedModel(kind);
        var range = ToyMarket.Hours(200, 400);
        var result = DqnTrader.TradeGreedy(model, Market.Frame, Market.Features, ToyMarket.Trading, range, "x");

        // The same rows pushed one by one into a fresh decider, acting on the backtest's own positions.
        var decider = model.CreateDecider();
        var (start, end) = Backtester.RowRange(Market.Frame, range.From, range.To);
        var q = new float[decider.ActionCount];
        var actions = 0;
        for (var row = 0; row < end; row++)
        {
            decider.Push(Market.Features.Row(row), row >= Market.Features.FirstCompleteRow);
            if (row < start)
            {
                continue;
            }

            var lotsBefore = row == start ? 0 : (result.Position[row - start - 1] > 0 ? 1 : 0);
            var action = decider.Decide(lotsBefore, q);
            var traded = result.Trades.Any(t => t.Time == Market.Frame.OpenTime(row));
            var expectTrade = (action == TradeAction.Buy && lotsBefore == 0) || (action == TradeAction.Sell && lotsBefore == 1);
            Assert.Equal(expectTrade, traded);
            actions += action == TradeAction.Hold ? 0 : 1;
        }

        Assert.True(kind != QNetworkKind.Linear || actions > 0, "the untrained Linear network acts now and then");
    }

    [Fact]
    public void Decide_WithoutFullWindow_HoldsWithNaNQValues()
    {
        using var model = Market.UntrainedModel(QNetworkKind.Linear);
        var decider = model.CreateDecider();
        var q = new float[3];
        for (var row = 0; row < model.FeatureSpec.WindowLength - 1; row++)
        {
            decider.Push(Market.Features.Row(Market.Features.FirstCompleteRow + row), complete: true);
        }

        Assert.False(decider.CanDecide);
        Assert.Equal(TradeAction.Hold, decider.Decide(0, q));
        Assert.All(q, v => Assert.True(float.IsNaN(v)));
        decider.Push(Market.Features.Row(Market.Features.FirstCompleteRow + 30), complete: true);
        Assert.True(decider.CanDecide);
        decider.Decide(0, q);
        Assert.All(q, v => Assert.False(float.IsNaN(v)));
        decider.Push(Market.Features.Row(0), complete: false);
        Assert.False(decider.CanDecide);
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
