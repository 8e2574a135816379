using Platform.Domain.Execution;
using Platform.Domain.Trading;
using Platform.Storage.Trading;

namespace Platform.Storage.Tests;

/// <summary>
/// What every <see cref="ITradingStore"/> adapter must do, run against each (SQLite file, PostgreSQL): idempotent
/// writes keyed so that a replay changes nothing, conflicts loud, exact decimals, the queries the execution service
/// and the CLI rely on, and migrations that apply once.
/// </summary>
public abstract class TradingStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private SqlTradingStore? store;

    protected SqlTradingStore Store => store ?? throw new InvalidOperationException("store not open");

    /// <summary>Opens the adapter on this test's location (the same location each call).</summary>
    protected abstract Task<SqlTradingStore> OpenAsync();

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => store = await OpenAsync();

    public async Task DisposeAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
        }

        await CleanUpAsync();
    }

    private static TradingDecision Decision(string id = "dqn/BTCUSDT/2024-03-01T12", TradeAction action = TradeAction.Buy, DateTimeOffset? openTime = null) =>
        new(id, "dqn", "7", "run-abc", "spec-123", "BTCUSDT", openTime ?? T0, [0.125, -3.5e-7, 1.0 / 3.0], action, 0m, T0.AddMilliseconds(1234.5678));

    private static OrderIntent Intent(string decisionId = "d-1", TradingMode mode = TradingMode.Paper, DateTimeOffset? at = null) =>
        OrderIntent.Create(decisionId, mode, "BTCUSDT", TradeSide.Buy, 0.01234m, at ?? T0);

    private static ExchangeOrder Order(string clientOrderId = "pl-1", long exchangeId = 1001, ExchangeOrderStatus status = ExchangeOrderStatus.New, decimal executed = 0m, DateTimeOffset? updated = null, DateTimeOffset? created = null, TradingMode mode = TradingMode.Paper, string symbol = "BTCUSDT") =>
        new(mode, symbol, exchangeId, clientOrderId, TradeSide.Buy, OrderType.Market, status, null, 0.01234m, executed, executed * 61_234.56m, created ?? T0, updated ?? created ?? T0);

    private static OrderFill Fill(long tradeId = 5001, decimal quantity = 0.01234m) =>
        new(TradingMode.Paper, "BTCUSDT", tradeId, 1001, "pl-1", TradeSide.Buy, 61_234.56m, quantity, 0.00001234m, "BTC", T0.AddSeconds(1));

    [Fact]
    public async Task RecordDecision_Replayed_ChangesNothing()
    {
        var decision = Decision();

        Assert.True(await Store.RecordDecisionAsync(decision));
        Assert.False(await Store.RecordDecisionAsync(decision));

        var stored = await Store.GetDecisionAsync(decision.DecisionId);
        Assert.NotNull(stored);
        Assert.Equal(decision with { QValues = stored.QValues, DecidedAt = SqlDialect.Micro(decision.DecidedAt) }, stored);
        Assert.Equal(decision.QValues, stored.QValues);
    }

    [Fact]
    public async Task RecordDecision_SameIdDifferentAction_Conflicts()
    {
        await Store.RecordDecisionAsync(Decision());

        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.RecordDecisionAsync(Decision(action: TradeAction.Sell)));
        Assert.Equal(TradeAction.Buy, (await Store.GetDecisionAsync(Decision().DecisionId))!.Action);
    }

    [Fact]
    public async Task RecordDecision_SameModelSymbolAndOpenTimeUnderAnotherId_Conflicts()
    {
        await Store.RecordDecisionAsync(Decision());

        var e = await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.RecordDecisionAsync(Decision(id: "other-id")));
        Assert.Contains("already decided", e.Message, StringComparison.Ordinal);
        Assert.Null(await Store.GetDecisionAsync("other-id"));
    }

    [Fact]
    public async Task RecordDecision_NonFiniteQValue_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RecordDecisionAsync(Decision() with { QValues = [double.NaN] }));
        Assert.Null(await Store.GetDecisionAsync(Decision().DecisionId));
    }

    [Fact]
    public async Task Decimals_ExtremeValues_RoundTripToTheLastDigit()
    {
        decimal[] values = [decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 1234567890.123456789012345678m, -0.000000000000000001m, 0m, 0.1m + 0.2m];
        for (var i = 0; i < values.Length; i++)
        {
            var position = new TradingPosition(TradingMode.Paper, $"SYM{i}", values[i], 61_234.567890123456789m, -values[i], T0);
            await Store.UpsertPositionAsync(position);
        }

        var stored = (await Store.GetPositionsAsync(TradingMode.Paper)).ToDictionary(p => p.Symbol);
        for (var i = 0; i < values.Length; i++)
        {
            var p = stored[$"SYM{i}"];
            Assert.Equal(values[i], p.Quantity);
            Assert.Equal(values[i].ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.'), p.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.'));
            Assert.Equal(-values[i], p.RealizedPnl);
            Assert.Equal(61_234.567890123456789m, p.AverageEntryPrice);
        }
    }

    [Fact]
    public async Task Times_SubMicrosecond_AreTruncatedToTheMicrosecond()
    {
        var precise = T0.AddTicks(1_234_567); // 0.1234567 s
        await Store.CreateIntentAsync(Intent(at: precise));

        var stored = await Store.GetIntentAsync(ClientOrderIds.FromDecision("d-1"));
        Assert.Equal(T0.AddTicks(1_234_560), stored!.CreatedAt);
        Assert.Equal(TimeSpan.Zero, stored.CreatedAt.Offset);
    }

    [Fact]
    public async Task CreateIntent_ReplayedAfterItWasSent_ChangesNothing()
    {
        var intent = Intent();
        Assert.True(await Store.CreateIntentAsync(intent));
        Assert.True(await Store.UpdateIntentStatusAsync(intent.ClientOrderId, IntentStatus.Sent, T0.AddSeconds(1)));

        Assert.False(await Store.CreateIntentAsync(intent));

        var stored = await Store.GetIntentAsync(intent.ClientOrderId);
        Assert.Equal(IntentStatus.Sent, stored!.Status);
        Assert.Equal(T0.AddSeconds(1), stored.UpdatedAt);
        Assert.Equal(ClientOrderIds.FromDecision("d-1"), stored.ClientOrderId);
    }

    [Fact]
    public async Task CreateIntent_SameClientOrderIdOtherQuantity_Conflicts()
    {
        await Store.CreateIntentAsync(Intent());

        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.CreateIntentAsync(Intent() with { Quantity = 1m }));
        Assert.Equal(0.01234m, (await Store.GetIntentAsync(Intent().ClientOrderId))!.Quantity);
    }

    [Fact]
    public async Task CreateIntent_ZeroQuantity_IsRejectedAndNothingStored()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateIntentAsync(Intent() with { Quantity = 0m }));
        Assert.Contains("quantity must be positive", e.Message, StringComparison.Ordinal);
        Assert.Null(await Store.GetIntentAsync(Intent().ClientOrderId));
    }

    [Fact]
    public async Task UpdateIntentStatus_FollowsTheLifecycle()
    {
        var id = Intent().ClientOrderId;
        await Store.CreateIntentAsync(Intent());

        Assert.True(await Store.UpdateIntentStatusAsync(id, IntentStatus.Sent, T0.AddSeconds(1)));
        Assert.False(await Store.UpdateIntentStatusAsync(id, IntentStatus.Sent, T0.AddSeconds(2)));
        Assert.True(await Store.UpdateIntentStatusAsync(id, IntentStatus.Unknown, T0.AddSeconds(3), "timeout after send"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.UpdateIntentStatusAsync(id, IntentStatus.Created, T0.AddSeconds(4)));
        Assert.True(await Store.UpdateIntentStatusAsync(id, IntentStatus.Reconciled, T0.AddSeconds(5)));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.UpdateIntentStatusAsync("pl-missing", IntentStatus.Sent, T0));

        var stored = await Store.GetIntentAsync(id);
        Assert.Equal(IntentStatus.Reconciled, stored!.Status);
        Assert.Equal("timeout after send", stored.Detail);
        Assert.Equal(T0.AddSeconds(5), stored.UpdatedAt);
    }

    [Fact]
    public async Task GetUnfinishedIntents_ReturnsOnlyUnfinished_OldestFirst()
    {
        var statuses = new[] { IntentStatus.Created, IntentStatus.Sent, IntentStatus.Filled, IntentStatus.Unknown, IntentStatus.Rejected, IntentStatus.Acknowledged };
        for (var i = 0; i < statuses.Length; i++)
        {
            var intent = Intent($"d-{i}", at: T0.AddMinutes(10 - i));
            await Store.CreateIntentAsync(intent);
            var path = statuses[i] switch
            {
                IntentStatus.Created => [],
                IntentStatus.Rejected or IntentStatus.Unknown => new[] { statuses[i] },
                _ => [IntentStatus.Sent, statuses[i]],
            };
            foreach (var step in path.Distinct())
            {
                await Store.UpdateIntentStatusAsync(intent.ClientOrderId, step, T0.AddHours(1));
            }
        }

        await Store.CreateIntentAsync(Intent("d-live", TradingMode.Live, T0));

        var paper = await Store.GetUnfinishedIntentsAsync(TradingMode.Paper);
        Assert.Equal(["d-5", "d-3", "d-1", "d-0"], paper.Select(i => i.DecisionId));
        Assert.All(paper, i => Assert.True(i.IsUnfinished));
        Assert.Equal(5, (await Store.GetUnfinishedIntentsAsync()).Count);
    }

    [Fact]
    public async Task UpsertOrder_NewerReportWins_OlderOrReplayedChangesNothing()
    {
        Assert.True(await Store.UpsertOrderAsync(Order()));
        var filled = Order(status: ExchangeOrderStatus.Filled, executed: 0.01234m, updated: T0.AddSeconds(2));
        Assert.True(await Store.UpsertOrderAsync(filled));

        Assert.False(await Store.UpsertOrderAsync(filled));
        Assert.False(await Store.UpsertOrderAsync(Order()));

        var stored = await Store.GetOrderAsync("pl-1");
        Assert.Equal(filled, stored);
        Assert.Equal(61_234.56m, stored!.AveragePrice);
    }

    [Fact]
    public async Task UpsertOrder_SameClientOrderIdOtherExchangeOrder_Conflicts()
    {
        await Store.UpsertOrderAsync(Order());

        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.UpsertOrderAsync(Order(exchangeId: 2002, updated: T0.AddSeconds(5))));
        Assert.Equal(1001, (await Store.GetOrderAsync("pl-1"))!.ExchangeOrderId);
    }

    [Fact]
    public async Task GetOrders_FromTime_FiltersByModeAndSymbolOldestFirst()
    {
        await Store.UpsertOrderAsync(Order("a", 1, created: T0.AddHours(-1)));
        await Store.UpsertOrderAsync(Order("b", 2, created: T0.AddHours(2)));
        await Store.UpsertOrderAsync(Order("c", 3, created: T0));
        await Store.UpsertOrderAsync(Order("d", 4, created: T0.AddHours(1), mode: TradingMode.Testnet));
        await Store.UpsertOrderAsync(Order("e", 5, created: T0.AddHours(3), symbol: "ETHUSDT"));

        Assert.Equal(["c", "d", "b", "e"], (await Store.GetOrdersAsync(new OrderQuery(T0))).Select(o => o.ClientOrderId));
        Assert.Equal(["c", "b", "e"], (await Store.GetOrdersAsync(new OrderQuery(T0, TradingMode.Paper))).Select(o => o.ClientOrderId));
        Assert.Equal(["c", "b"], (await Store.GetOrdersAsync(new OrderQuery(T0, TradingMode.Paper, "BTCUSDT"))).Select(o => o.ClientOrderId));
        Assert.Equal(["a", "c"], (await Store.GetOrdersAsync(new OrderQuery(DateTimeOffset.MinValue.AddYears(1), Limit: 2))).Select(o => o.ClientOrderId));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetOrdersAsync(new OrderQuery(T0, Limit: 0)));
    }

    [Fact]
    public async Task RecordFill_Replayed_ChangesNothing_DifferentContentConflicts()
    {
        Assert.True(await Store.RecordFillAsync(Fill()));
        Assert.True(await Store.RecordFillAsync(Fill(5002, 0.5m)));
        Assert.False(await Store.RecordFillAsync(Fill()));
        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.RecordFillAsync(Fill(quantity: 1m)));

        var fills = await Store.GetFillsAsync("pl-1");
        Assert.Equal([Fill(), Fill(5002, 0.5m)], fills);
    }

    [Fact]
    public async Task UpsertPosition_NewestWins_ModesKeptApart()
    {
        var later = new TradingPosition(TradingMode.Paper, "BTCUSDT", 0.02m, 60_000m, 12.5m, T0.AddHours(1));
        Assert.True(await Store.UpsertPositionAsync(later));
        Assert.False(await Store.UpsertPositionAsync(later with { Quantity = 0m, UpdatedAt = T0 }));
        Assert.False(await Store.UpsertPositionAsync(later));
        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.UpsertPositionAsync(later with { Quantity = 9m }));
        Assert.True(await Store.UpsertPositionAsync(later with { Mode = TradingMode.Live, Quantity = 1m }));

        Assert.Equal([later], await Store.GetPositionsAsync(TradingMode.Paper));
        Assert.Equal([TradingMode.Paper, TradingMode.Live], (await Store.GetPositionsAsync()).Select(p => p.Mode).Order());
    }

    [Fact]
    public async Task RecordEquity_IdempotentByTime_RangeIsHalfOpen()
    {
        for (var h = 0; h < 4; h++)
        {
            Assert.True(await Store.RecordEquityAsync(new EquitySnapshot(TradingMode.Paper, "BTCUSDT", T0.AddHours(h), 10_000m - h, 0m, 61_000m, 10_000m - h)));
        }

        Assert.False(await Store.RecordEquityAsync(new EquitySnapshot(TradingMode.Paper, "BTCUSDT", T0, 10_000m, 0m, 61_000m, 10_000m)));
        await Assert.ThrowsAsync<TradingStoreConflictException>(() => Store.RecordEquityAsync(new EquitySnapshot(TradingMode.Paper, "BTCUSDT", T0, 1m, 0m, 61_000m, 1m)));

        var range = await Store.GetEquityAsync(TradingMode.Paper, "BTCUSDT", T0.AddHours(1), T0.AddHours(3));
        Assert.Equal([9_999m, 9_998m], range.Select(s => s.Equity));
    }

    [Fact]
    public async Task RiskEvents_NewestFirst_WithLimitAndFrom()
    {
        for (var i = 0; i < 5; i++)
        {
            var verdict = i % 2 == 0 ? RiskVerdict.Rejected : RiskVerdict.Allowed;
            Assert.True(await Store.RecordRiskEventAsync(new RiskEvent($"r-{i}", TradingMode.Paper, "BTCUSDT", T0.AddMinutes(i), "max_notional", verdict, $"notional {i}", 100m * i, 250m, $"d-{i}", null)));
        }

        Assert.False(await Store.RecordRiskEventAsync(new RiskEvent("r-0", TradingMode.Paper, "BTCUSDT", T0, "max_notional", RiskVerdict.Rejected, "notional 0", 0m, 250m, "d-0", null)));

        Assert.Equal(["r-4", "r-3"], (await Store.GetRiskEventsAsync(2)).Select(e => e.EventId));
        Assert.Equal(["r-4", "r-3", "r-2"], (await Store.GetRiskEventsAsync(10, T0.AddMinutes(2))).Select(e => e.EventId));
        var first = (await Store.GetRiskEventsAsync(10))[^1];
        Assert.Equal(new RiskEvent("r-0", TradingMode.Paper, "BTCUSDT", T0, "max_notional", RiskVerdict.Rejected, "notional 0", 0m, 250m, "d-0", null), first);
    }

    [Fact]
    public async Task KillSwitch_LatestEventIsTheState()
    {
        Assert.Null(await Store.GetKillSwitchAsync());

        Assert.True(await Store.RecordKillSwitchAsync(new KillSwitchEvent("k-1", true, "cli", "drawdown", T0)));
        Assert.True((await Store.GetKillSwitchAsync())!.Engaged);
        Assert.True(await Store.RecordKillSwitchAsync(new KillSwitchEvent("k-2", false, "alice", "reviewed", T0.AddMinutes(5))));
        Assert.False(await Store.RecordKillSwitchAsync(new KillSwitchEvent("k-1", true, "cli", "drawdown", T0)));

        Assert.Equal(new KillSwitchEvent("k-2", false, "alice", "reviewed", T0.AddMinutes(5)), await Store.GetKillSwitchAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RecordKillSwitchAsync(new KillSwitchEvent("k-3", false, " ", "who?", T0.AddMinutes(6))));
    }

    [Fact]
    public async Task StoredKillSwitch_EngageThenRelease_StateIsTheNewestAuditedChange()
    {
        var clock = new SteppedClock(T0);
        var killSwitch = new StoredKillSwitch(Store, clock);

        var engaged = await killSwitch.EngageAsync("ops-bot", " daily loss limit ");
        clock.Now = T0.AddMinutes(3);
        await Assert.ThrowsAsync<Platform.Domain.InvalidRequestException>(() => killSwitch.ReleaseAsync(" ", "looks fine"));
        await Assert.ThrowsAsync<Platform.Domain.InvalidRequestException>(() => killSwitch.ReleaseAsync("alice", ""));
        Assert.Equal(engaged, await killSwitch.GetStateAsync());

        var released = await killSwitch.ReleaseAsync("alice", "limits reviewed");

        Assert.Equal(new KillSwitchEvent(engaged.EventId, true, "ops-bot", "daily loss limit", T0), engaged);
        Assert.Equal(released, await killSwitch.GetStateAsync());
        Assert.False(released.Engaged);
        Assert.Equal(T0.AddMinutes(3), released.Time);
    }

    [Fact]
    public async Task RecordDecision_ConcurrentReplays_ExactlyOneWrites()
    {
        var decision = Decision();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.RecordDecisionAsync(decision))));

        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Migrate_Reopened_AppliesNothingAndKeepsData()
    {
        await Store.RecordKillSwitchAsync(new KillSwitchEvent("k-1", true, "cli", "test", T0));
        await Store.DisposeAsync();

        store = await OpenAsync();

        Assert.Empty(await Store.MigrateAsync());
        Assert.True((await Store.GetKillSwitchAsync())!.Engaged);
    }
}

/// <summary>A clock the test sets by hand.</summary>
internal sealed class SteppedClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
