using Platform.Domain.Backtesting;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class LiveDecisionLoopTests
{
    private static readonly DateTimeOffset Start = new(2022, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly FeatureSpec Spec = new("t", 1, 3, 2, [new SymbolFeatures("BTCUSDT", [FeatureKind.LogReturn])]);

    [Fact]
    public async Task Swap_MidStream_BarsBeforeFromOldModelAfterFromNewWithFullWindow()
    {
        var old = new ScriptedDecider(Spec, TradeAction.Buy);
        var port = new PaperPositionPort(new TradingOptions { Symbol = "BTCUSDT" });
        var loop = new LiveDecisionLoop(old, new ModelIdentity("m", "1", "r1", "models:/m@champion"), port, "BTCUSDT", Start.AddHours(5));
        var features = new AlignedLiveFeatures(Spec, "BTCUSDT");
        for (var h = 0; h < 12; h++)
        {
            await loop.OnRowsAsync(features.Offer("BTCUSDT", K(Start.AddHours(h), 100m + h)));
        }

        var fresh = new ScriptedDecider(Spec, TradeAction.Sell);
        var replaced = loop.Swap(fresh, new ModelIdentity("m", "2", "r2", "models:/m@champion"));
        for (var h = 12; h < 20; h++)
        {
            await loop.OnRowsAsync(features.Offer("BTCUSDT", K(Start.AddHours(h), 100m + h)));
        }

        Assert.Equal("1", replaced.Version);
        Assert.Equal(15, loop.Decided.Count);
        Assert.All(loop.Decided.Take(7), d => Assert.Equal(("1", TradeAction.Buy), (d.Decision.ModelVersion, d.Decision.Action)));
        Assert.All(loop.Decided.Skip(7), d => Assert.Equal(("2", TradeAction.Sell), (d.Decision.ModelVersion, d.Decision.Action)));
        Assert.Equal(Start.AddHours(12), loop.Decided[7].Decision.OpenTime);
        Assert.Equal(Spec.WindowLength, fresh.PushedBeforeFirstDecision);
        Assert.Equal(2, port.Session.Trades.Count);
    }

    [Fact]
    public void Swap_ModelReadingOtherFeatures_IsRefused()
    {
        var loop = new LiveDecisionLoop(new ScriptedDecider(Spec, TradeAction.Hold), new ModelIdentity("m", "1", null, "m.dqn"), new PaperPositionPort(new TradingOptions { Symbol = "BTCUSDT" }), "BTCUSDT", Start);
        var other = new ScriptedDecider(Spec with { Lookback = 5 }, TradeAction.Hold);

        var error = Assert.Throws<InvalidRequestException>(() => loop.Swap(other, new ModelIdentity("m", "2", null, "models:/m/2")));
        Assert.Contains("reads features", error.Message, StringComparison.Ordinal);
        Assert.Equal("1", loop.Model.Version);
    }

    [Fact]
    public async Task OnRows_SameBarTwiceAndUntil_DecidedOnceAndStops()
    {
        var loop = new LiveDecisionLoop(new ScriptedDecider(Spec, TradeAction.Buy), new ModelIdentity("m", "1", null, "m.dqn"), new PaperPositionPort(new TradingOptions { Symbol = "BTCUSDT" }), "BTCUSDT", Start.AddHours(3), Start.AddHours(6));
        var features = new AlignedLiveFeatures(Spec, "BTCUSDT");
        for (var h = 0; h < 8; h++)
        {
            var rows = features.Offer("BTCUSDT", K(Start.AddHours(h), 100m + h));
            await loop.OnRowsAsync(rows);
            await loop.OnRowsAsync(rows);
        }

        Assert.Equal([Start.AddHours(3), Start.AddHours(4), Start.AddHours(5)], loop.Decided.Select(d => d.Decision.OpenTime));
        Assert.True(loop.ReachedUntil);
        Assert.Equal("m:BTCUSDT:" + Start.AddHours(3).ToUnixTimeMilliseconds(), loop.Decided[0].Decision.DecisionId);
    }

    private static Kline K(DateTimeOffset open, decimal close) => new(open, close, close, close, close, 1m, TradeCount: 1, TakerBuyBaseVolume: 0.5m);

    /// <summary>Always answers one action once its window is full; counts the rows it was given before its first decision.</summary>
    private sealed class ScriptedDecider(FeatureSpec spec, TradeAction action) : IBarDecider
    {
        private int run;
        private int pushed;

        public int? PushedBeforeFirstDecision { get; private set; }

        public FeatureSpec Spec { get; } = spec;

        public int MaxLots => 1;

        public int ActionCount => 3;

        public bool CanDecide => run >= Spec.WindowLength;

        public void Push(ReadOnlySpan<float> rawFeatures, bool complete)
        {
            pushed++;
            run = complete ? run + 1 : 0;
        }

        public TradeAction Decide(int openLots, Span<float> qValues)
        {
            PushedBeforeFirstDecision ??= pushed - 1;
            qValues.Clear();
            qValues[(int)action] = 1;
            return CanDecide ? action : TradeAction.Hold;
        }

        public void Reset() => (run, pushed) = (0, 0);
    }
}
