namespace Platform.Domain.MarketData;

/// <summary>One unit of backfill work: a symbol's klines for one calendar month (or part of one).</summary>
public sealed record BackfillChunk(string Symbol, string Interval, DateTimeOffset From, DateTimeOffset To);

/// <summary>What one chunk did to the store, with the validation numbers of what was read.</summary>
public sealed record BackfillChunkResult(
    BackfillChunk Chunk,
    int RowsRead,
    int Inserted,
    int Updated,
    int Unchanged,
    int Rejected,
    int MissingBars,
    IReadOnlyList<string> RejectedDetails);

/// <summary>
/// Copies klines from a source into the market-data store, month by month. Idempotent: a chunk run twice inserts and
/// updates nothing the second time; a restated candle is updated, and the count says so.
/// </summary>
public sealed class MarketDataBackfill(IKlineSource source, IMarketDataStore store)
{
    /// <summary>Calendar-month chunks covering [from, to) for each symbol: small enough to retry, large enough to be cheap.</summary>
    public static IReadOnlyList<BackfillChunk> Plan(IEnumerable<string> symbols, string interval, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (to <= from)
        {
            throw new InvalidRequestException($"Backfill range is empty: {from:O} .. {to:O}.");
        }

        var chunks = new List<BackfillChunk>();
        foreach (var symbol in symbols)
        {
            var start = from;
            while (start < to)
            {
                var monthEnd = new DateTimeOffset(start.Year, start.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                var end = monthEnd < to ? monthEnd : to;
                chunks.Add(new BackfillChunk(symbol, interval, start, end));
                start = end;
            }
        }

        return chunks;
    }

    public async Task<BackfillChunkResult> RunAsync(BackfillChunk chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var interval = KlineInterval.Parse(chunk.Interval);
        var (series, report) = await source.LoadAsync(chunk.Symbol, interval, chunk.From, chunk.To, cancellationToken);
        var upsert = await store.UpsertAsync(series, cancellationToken);
        return new BackfillChunkResult(
            chunk,
            report.RowsRead,
            upsert.Inserted,
            upsert.Updated,
            upsert.Unchanged,
            report.Rejected.Count,
            report.MissingBars,
            [.. report.Rejected.Take(50).Select(r => $"{r.Source}:{r.Line} {r.Reason}: {r.Detail}")]);
    }
}
