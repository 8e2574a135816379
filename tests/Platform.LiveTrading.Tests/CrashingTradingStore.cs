using Platform.Domain.Execution;

namespace Platform.LiveTrading.Tests;

/// <summary>The execution service's process dying at one point: nothing after it runs in that instance.</summary>
public sealed class SimulatedCrashException(string message) : Exception(message)
{
    public SimulatedCrashException()
        : this("simulated crash")
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : this(message + ": " + innerException.Message)
    {
    }
}

/// <summary>
/// A trading store that makes the execution service crash at chosen writes (counted over every write): on odd points
/// before the write reaches the store, on even ones just after it did — the two ways a process dies around a write.
/// <see cref="OnWrite"/> lets a test act at a write (e.g. engage the kill switch) without crashing.
/// </summary>
public sealed class CrashingTradingStore(ITradingStore inner, IReadOnlyCollection<int> crashAt) : ITradingStore
{
    private readonly HashSet<int> points = [.. crashAt];
    private int writes;
    private int crashes;

    public int Writes => Volatile.Read(ref writes);

    public int Crashes => Volatile.Read(ref crashes);

    public Func<string, object, Task>? OnWrite { get; init; }

    public Task<bool> RecordDecisionAsync(TradingDecision decision, CancellationToken cancellationToken = default) => WriteAsync(nameof(RecordDecisionAsync), decision, () => inner.RecordDecisionAsync(decision, cancellationToken));

    public Task<bool> CreateIntentAsync(OrderIntent intent, CancellationToken cancellationToken = default) => WriteAsync(nameof(CreateIntentAsync), intent, () => inner.CreateIntentAsync(intent, cancellationToken));

    public Task<bool> UpdateIntentStatusAsync(string clientOrderId, IntentStatus status, DateTimeOffset at, string? detail = null, CancellationToken cancellationToken = default) =>
        WriteAsync(nameof(UpdateIntentStatusAsync), status, () => inner.UpdateIntentStatusAsync(clientOrderId, status, at, detail, cancellationToken));

    public Task<bool> UpsertOrderAsync(ExchangeOrder order, CancellationToken cancellationToken = default) => WriteAsync(nameof(UpsertOrderAsync), order, () => inner.UpsertOrderAsync(order, cancellationToken));

    public Task<bool> RecordFillAsync(OrderFill fill, CancellationToken cancellationToken = default) => WriteAsync(nameof(RecordFillAsync), fill, () => inner.RecordFillAsync(fill, cancellationToken));

    public Task<bool> UpsertPositionAsync(TradingPosition position, CancellationToken cancellationToken = default) => WriteAsync(nameof(UpsertPositionAsync), position, () => inner.UpsertPositionAsync(position, cancellationToken));

    public Task<bool> RecordEquityAsync(EquitySnapshot snapshot, CancellationToken cancellationToken = default) => WriteAsync(nameof(RecordEquityAsync), snapshot, () => inner.RecordEquityAsync(snapshot, cancellationToken));

    public Task<bool> RecordRiskEventAsync(RiskEvent riskEvent, CancellationToken cancellationToken = default) => WriteAsync(nameof(RecordRiskEventAsync), riskEvent, () => inner.RecordRiskEventAsync(riskEvent, cancellationToken));

    public Task<bool> RecordKillSwitchAsync(KillSwitchEvent killSwitchEvent, CancellationToken cancellationToken = default) => inner.RecordKillSwitchAsync(killSwitchEvent, cancellationToken);

    public Task<TradingDecision?> GetDecisionAsync(string decisionId, CancellationToken cancellationToken = default) => inner.GetDecisionAsync(decisionId, cancellationToken);

    public Task<OrderIntent?> GetIntentAsync(string clientOrderId, CancellationToken cancellationToken = default) => inner.GetIntentAsync(clientOrderId, cancellationToken);

    public Task<IReadOnlyList<OrderIntent>> GetUnfinishedIntentsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default) => inner.GetUnfinishedIntentsAsync(mode, cancellationToken);

    public Task<IReadOnlyList<ExchangeOrder>> GetOrdersAsync(OrderQuery query, CancellationToken cancellationToken = default) => inner.GetOrdersAsync(query, cancellationToken);

    public Task<ExchangeOrder?> GetOrderAsync(string clientOrderId, CancellationToken cancellationToken = default) => inner.GetOrderAsync(clientOrderId, cancellationToken);

    public Task<IReadOnlyList<OrderFill>> GetFillsAsync(string clientOrderId, CancellationToken cancellationToken = default) => inner.GetFillsAsync(clientOrderId, cancellationToken);

    public Task<IReadOnlyList<TradingPosition>> GetPositionsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default) => inner.GetPositionsAsync(mode, cancellationToken);

    public Task<IReadOnlyList<EquitySnapshot>> GetEquityAsync(TradingMode mode, string symbol, DateTimeOffset start, DateTimeOffset until, CancellationToken cancellationToken = default) => inner.GetEquityAsync(mode, symbol, start, until, cancellationToken);

    public Task<KillSwitchEvent?> GetKillSwitchAsync(CancellationToken cancellationToken = default) => inner.GetKillSwitchAsync(cancellationToken);

    public Task<IReadOnlyList<RiskEvent>> GetRiskEventsAsync(int limit, DateTimeOffset? from = null, CancellationToken cancellationToken = default) => inner.GetRiskEventsAsync(limit, from, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task<bool> WriteAsync(string operation, object record, Func<Task<bool>> write)
    {
        var n = Interlocked.Increment(ref writes);
        if (OnWrite is { } hook)
        {
            await hook(operation, record);
        }

        var crash = points.Contains(n);
        if (crash && n % 2 == 1)
        {
            Interlocked.Increment(ref crashes);
            throw new SimulatedCrashException($"crash before write {n} ({operation})");
        }

        var written = await write();
        if (crash)
        {
            Interlocked.Increment(ref crashes);
            throw new SimulatedCrashException($"crash after write {n} ({operation})");
        }

        return written;
    }
}
