namespace Platform.Domain.MarketData;

/// <summary>What an upsert did: re-writing identical klines counts as unchanged, so re-runs are visibly idempotent.</summary>
public sealed record UpsertResult(int Inserted, int Updated, int Unchanged)
{
    public int Total => Inserted + Updated + Unchanged;
}

/// <summary>How much of one symbol and interval a store holds.</summary>
public sealed record StoredSeriesInfo(string Symbol, KlineInterval Interval, int Count, DateTimeOffset First, DateTimeOffset Last);

/// <summary>
/// The platform's market-data store, keyed (symbol, interval, open_time) with upserts. Training and evaluation read
/// from it; backfills write to it. Adapters: DuckDB (embedded default), in-memory (tests); PostgreSQL or Cassandra
/// can follow behind the same contract.
/// </summary>
public interface IMarketDataStore
{
    Task<UpsertResult> UpsertAsync(KlineSeries series, CancellationToken cancellationToken = default);

    /// <summary>Klines with open time in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), in time order.</summary>
    Task<KlineSeries> ReadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredSeriesInfo>> ListAsync(CancellationToken cancellationToken = default);
}
