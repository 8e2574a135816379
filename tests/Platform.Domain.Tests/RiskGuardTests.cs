using Platform.Domain.Execution;
using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class RiskGuardTests
{
    private static readonly DateTimeOffset Now = new(2022, 11, 3, 10, 0, 5, TimeSpan.Zero);

    private static readonly RiskLimits Limits = new()
    {
        MaxPositionQuantity = 1m,
        MaxOrderNotional = 50_000m,
        MaxOrdersPerHour = 3,
        DailyLossLimit = 500m,
        MaxDrawdown = 0.2m,
        MaxDecisionAge = TimeSpan.FromSeconds(30),
        PriceBand = 0.02m,
        AllowedModelVersions = ["3", "4"],
    };

    [Fact]
    public void Check_OrderWithinEveryLimit_AllowedWithOneAllowedEventPerRule()
    {
        var assessment = new RiskGuard(Limits).Check(Context());

        Assert.True(assessment.Allowed);
        Assert.False(assessment.Halted);
        Assert.Equal(10, assessment.Events.Count);
        Assert.All(assessment.Events, e => Assert.Equal(RiskVerdict.Allowed, e.Verdict));
        Assert.Equal(assessment.Events.Count, assessment.Events.Select(e => e.EventId).Distinct().Count());
        Assert.Empty(assessment.Summary);
    }

    public static TheoryData<string, string> Objections() => new()
    {
        { "max_position", "position after the buy 1.2 exceeds 1" },
        { "max_order_notional", "exceeds 50000" },
        { "max_orders_per_hour", "3 orders in the last hour, at most 3" },
        { "stale_decision", "decision is 45 s old, more than 30 s" },
        { "model_version", "model version 2 is not among 3, 4" },
        { "price_band", "is 3 % from the last close" },
        { "exchange_filters", "LOT_SIZE: quantity below 0.00001" },
    };

    [Theory]
    [MemberData(nameof(Objections))]
    public void Check_OneLimitExceeded_RejectedByThatRuleAloneWithTheReason(string rule, string reason)
    {
        var context = rule switch
        {
            "max_position" => Context(position: 0.7m),
            "max_order_notional" => Context(quantity: 0.9m, price: 60_000m, lastClose: 60_000m),
            "max_orders_per_hour" => Context(ordersInLastHour: 3),
            "stale_decision" => Context(decidedAt: Now.AddSeconds(-45)),
            "model_version" => Context(modelVersion: "2"),
            "price_band" => Context(price: 20_600m),
            _ => Context(filterProblem: "LOT_SIZE: quantity below 0.00001"),
        };

        var assessment = new RiskGuard(Limits).Check(context);

        Assert.False(assessment.Allowed);
        Assert.False(assessment.Halted);
        var objection = Assert.Single(assessment.Events, e => e.Verdict != RiskVerdict.Allowed);
        Assert.Equal((rule, RiskVerdict.Rejected), (objection.Rule, objection.Verdict));
        Assert.Contains(reason, objection.Reason, StringComparison.Ordinal);
        Assert.Equal($"{context.Intent.ClientOrderId}:{rule}:{context.Now.ToUnixTimeMilliseconds()}", objection.EventId);
        Assert.Equal(context.Intent.DecisionId, objection.DecisionId);
    }

    [Fact]
    public void Check_KillSwitchDrawdownAndDailyLoss_HaltTrading()
    {
        var kill = new KillSwitchEvent("k1", true, "alice", "exchange incident", Now.AddMinutes(-1));

        var assessment = new RiskGuard(Limits).Check(Context(equity: 7_900m, dayStart: 8_500m, peak: 10_000m, killSwitch: kill));

        Assert.True(assessment.Halted);
        Assert.Equal(
            ["kill_switch", "max_drawdown", "daily_loss"],
            assessment.Events.Where(e => e.Verdict == RiskVerdict.Halted).Select(e => e.Rule));
        Assert.Contains("kill switch engaged by alice: exchange incident", assessment.Summary, StringComparison.Ordinal);
        Assert.Contains("drawdown 21 % from the peak 10000 exceeds 20 %", assessment.Summary, StringComparison.Ordinal);
        Assert.Contains("loss today 600 exceeds 500", assessment.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_KillSwitchReleased_DoesNotHalt()
    {
        var released = new KillSwitchEvent("k2", false, "bob", "incident over", Now.AddMinutes(-1));

        Assert.True(new RiskGuard(Limits).Check(Context(killSwitch: released)).Allowed);
    }

    [Fact]
    public void Check_SellReducingAPositionAboveTheLimit_IsNotHeldToThePositionLimit()
    {
        var assessment = new RiskGuard(Limits).Check(Context(side: TradeSide.Sell, position: 1.5m, quantity: 0.5m));

        Assert.True(assessment.Allowed);
        Assert.DoesNotContain(assessment.Events, e => e.Rule == RiskGuard.PositionRule);
    }

    [Fact]
    public void Check_SameOrderTwice_SameEventIds()
    {
        var guard = new RiskGuard(Limits);

        Assert.Equal(guard.Check(Context(ordersInLastHour: 5)).Events.Select(e => e.EventId), guard.Check(Context(ordersInLastHour: 5)).Events.Select(e => e.EventId));
    }

    [Fact]
    public void Check_RulesSwitchedOff_OnlyTheAlwaysOnRulesJudge()
    {
        var guard = new RiskGuard(new RiskLimits { MaxOrderNotional = null, MaxOrdersPerHour = null, MaxDrawdown = null, MaxDecisionAge = null, PriceBand = null });

        var assessment = guard.Check(Context(ordersInLastHour: 100, price: 30_000m, decidedAt: Now.AddDays(-1)));

        Assert.True(assessment.Allowed);
        Assert.Equal([RiskGuard.KillSwitchRule, RiskGuard.ExchangeFiltersRule], assessment.Events.Select(e => e.Rule));
    }

    [Theory]
    [InlineData(-1, 0.2, 0.02, "max position -1 must be positive")]
    [InlineData(1, 1.5, 0.02, "max drawdown 1.5 must be in (0, 1]")]
    [InlineData(1, 0.2, 0, "price band 0 must be in (0, 1]")]
    public void Constructor_InvalidLimits_FailsWithEveryReason(double position, double drawdown, double band, string reason)
    {
        var limits = new RiskLimits { MaxPositionQuantity = (decimal)position, MaxDrawdown = (decimal)drawdown, PriceBand = (decimal)band };

        var error = Assert.Throws<InvalidRequestException>(() => new RiskGuard(limits));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static RiskContext Context(
        TradeSide side = TradeSide.Buy,
        decimal quantity = 0.5m,
        decimal price = 20_000m,
        decimal lastClose = 20_000m,
        decimal position = 0m,
        int ordersInLastHour = 1,
        decimal equity = 10_000m,
        decimal dayStart = 10_000m,
        decimal peak = 10_000m,
        DateTimeOffset? decidedAt = null,
        string modelVersion = "3",
        KillSwitchEvent? killSwitch = null,
        string? filterProblem = null)
    {
        var decision = new TradingDecision("m:BTCUSDT:1", "m", modelVersion, "run", "hash", "BTCUSDT", Now.AddHours(-1), [0, 1, 0], side == TradeSide.Buy ? TradeAction.Buy : TradeAction.Sell, position, decidedAt ?? Now.AddSeconds(-2));
        var intent = OrderIntent.Create(decision.DecisionId, TradingMode.Paper, "BTCUSDT", side, quantity, Now);
        return new RiskContext(intent, decision, price, lastClose, position, ordersInLastHour, equity, dayStart, peak, Now, killSwitch, filterProblem);
    }
}
