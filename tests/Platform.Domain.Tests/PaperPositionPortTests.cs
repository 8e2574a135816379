using Platform.Domain.Execution;
using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class PaperPositionPortTests
{
    private static readonly DateTimeOffset Start = new(2022, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static TradingDecision Decision(string id, DateTimeOffset openTime, TradeAction action) =>
        new(id, "m", "1", "run", "hash", "BTCUSDT", openTime, [0, 0, 0], action, 0m, openTime.AddHours(1));

    [Fact]
    public async Task ExecuteAsync_BuyHoldSell_BooksLikeTheBacktestSession()
    {
        var options = new TradingOptions { Symbol = "BTCUSDT", FeeRate = 0.001m };
        var port = new PaperPositionPort(options);
        var expected = new TradingSession(options);
        var steps = new[] { (TradeAction.Buy, 100m), (TradeAction.Hold, 110m), (TradeAction.Sell, 120m) };
        for (var i = 0; i < steps.Length; i++)
        {
            var (action, price) = steps[i];
            var before = await port.PositionBeforeAsync("BTCUSDT", Start.AddHours(i));
            Assert.Equal(i == 0 || i == 3 ? 0 : 1, before.OpenLots);
            var outcome = await port.ExecuteAsync(Decision($"d{i}", Start.AddHours(i), action), price);
            Assert.Equal(expected.Close(Start.AddHours(i), price, action).Trade, outcome.Trade);
        }

        Assert.Equal(expected.EquityCurve.ToArray(), port.Session.EquityCurve.ToArray());
        Assert.Equal(2, port.Session.Trades.Count);
    }

    [Fact]
    public async Task ExecuteAsync_SameDecisionTwice_BooksOnce()
    {
        var port = new PaperPositionPort(new TradingOptions { Symbol = "BTCUSDT" });
        var first = await port.ExecuteAsync(Decision("d", Start, TradeAction.Buy), 100m);
        var again = await port.ExecuteAsync(Decision("d", Start, TradeAction.Buy), 100m);

        Assert.Same(first, again);
        Assert.Single(port.Session.Trades);
        Assert.Equal(1, port.Session.Bars);
    }

    [Fact]
    public async Task ExecuteAsync_SellWhenFlatOrOtherSymbol_ExplainsOrRefuses()
    {
        var port = new PaperPositionPort(new TradingOptions { Symbol = "BTCUSDT" });
        var outcome = await port.ExecuteAsync(Decision("d", Start, TradeAction.Sell), 100m);
        Assert.Null(outcome.Trade);
        Assert.Equal("no open lot to sell", outcome.NotExecutedReason);

        await Assert.ThrowsAsync<InvalidRequestException>(() => port.PositionBeforeAsync("ETHUSDT", Start));
        await Assert.ThrowsAsync<ArgumentException>(() => port.ExecuteAsync(Decision("older", Start, TradeAction.Hold), 100m));
    }
}
