using System.Data.Common;
using DuckDB.NET.Data;
using Platform.Domain.MarketData;

namespace Platform.Storage;

/// <summary>
/// The embedded default market-data store: one DuckDB file (columnar, fast range scans and analytics, no server),
/// primary key (symbol, interval, open_time), exact DECIMAL(38,18) values. Upserts stage rows through DuckDB's
/// appender and merge in one transaction, counting inserted / updated / unchanged rows.
/// </summary>
public sealed class DuckDbMarketDataStore : IMarketDataStore, IDisposable
{
    private const string Columns = "symbol, interval, open_time, open, high, low, close, volume, close_time, quote_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume";
    private readonly DuckDBConnection connection;
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <param name="path">Database file; ":memory:" for a private in-memory database.</param>
    public DuckDbMarketDataStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path != ":memory:")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        Execute("""
            CREATE TABLE IF NOT EXISTS klines (
                symbol VARCHAR NOT NULL, interval VARCHAR NOT NULL, open_time BIGINT NOT NULL,
                open DECIMAL(38,18) NOT NULL, high DECIMAL(38,18) NOT NULL, low DECIMAL(38,18) NOT NULL,
                close DECIMAL(38,18) NOT NULL, volume DECIMAL(38,18) NOT NULL, close_time BIGINT,
                quote_volume DECIMAL(38,18), trade_count BIGINT, taker_buy_base_volume DECIMAL(38,18),
                taker_buy_quote_volume DECIMAL(38,18),
                PRIMARY KEY (symbol, interval, open_time));
            """);
    }

    public async Task<UpsertResult> UpsertAsync(KlineSeries series, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(series);
        await gate.WaitAsync(cancellationToken);
        try
        {
            Execute($"CREATE OR REPLACE TEMP TABLE staging AS SELECT {Columns} FROM klines WHERE false");
            using (var appender = connection.CreateAppender("staging"))
            {
                foreach (var k in series.Klines)
                {
                    var row = appender.CreateRow()
                        .AppendValue(series.Symbol).AppendValue(series.Interval.Code).AppendValue(k.OpenTime.ToUnixTimeMilliseconds())
                        .AppendValue(k.Open).AppendValue(k.High).AppendValue(k.Low).AppendValue(k.Close).AppendValue(k.Volume)
                        .AppendValue(k.CloseTime?.ToUnixTimeMilliseconds()).AppendValue(k.QuoteVolume).AppendValue(k.TradeCount)
                        .AppendValue(k.TakerBuyBaseVolume).AppendValue(k.TakerBuyQuoteVolume);
                    row.EndRow();
                }
            }

            using var transaction = connection.BeginTransaction();
            var inserted = Scalar("SELECT count(*) FROM staging s ANTI JOIN klines k USING (symbol, interval, open_time)");
            var updated = Scalar($"""
                SELECT count(*) FROM staging s JOIN klines k USING (symbol, interval, open_time)
                WHERE (s.open, s.high, s.low, s.close, s.volume, s.close_time, s.quote_volume, s.trade_count, s.taker_buy_base_volume, s.taker_buy_quote_volume)
                      IS DISTINCT FROM (k.open, k.high, k.low, k.close, k.volume, k.close_time, k.quote_volume, k.trade_count, k.taker_buy_base_volume, k.taker_buy_quote_volume)
                """);
            Execute($"INSERT OR REPLACE INTO klines ({Columns}) SELECT {Columns} FROM staging");
            Execute("DROP TABLE staging");
            transaction.Commit();
            return new UpsertResult((int)inserted, (int)updated, series.Count - (int)inserted - (int)updated);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<KlineSeries> ReadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM klines WHERE symbol = $symbol AND interval = $interval AND open_time >= $from AND open_time < $to ORDER BY open_time";
            command.Parameters.Add(new DuckDBParameter("symbol", symbol));
            command.Parameters.Add(new DuckDBParameter("interval", interval.Code));
            command.Parameters.Add(new DuckDBParameter("from", fromInclusive.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new DuckDBParameter("to", toExclusive.ToUnixTimeMilliseconds()));
            using var reader = command.ExecuteReader();
            var rows = new List<Kline>();
            while (reader.Read())
            {
                rows.Add(new Kline(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    reader.GetDecimal(3),
                    reader.GetDecimal(4),
                    reader.GetDecimal(5),
                    reader.GetDecimal(6),
                    reader.GetDecimal(7),
                    reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                    NullableDecimal(reader, 9),
                    reader.IsDBNull(10) ? null : reader.GetInt64(10),
                    NullableDecimal(reader, 11),
                    NullableDecimal(reader, 12)));
            }

            return new KlineSeries(symbol, interval, rows);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<StoredSeriesInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT symbol, interval, count(*), min(open_time), max(open_time) FROM klines GROUP BY symbol, interval ORDER BY symbol, interval";
            using var reader = command.ExecuteReader();
            var list = new List<StoredSeriesInfo>();
            while (reader.Read())
            {
                list.Add(new StoredSeriesInfo(
                    reader.GetString(0),
                    KlineInterval.Parse(reader.GetString(1)),
                    (int)reader.GetInt64(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            return list;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }

    private static decimal? NullableDecimal(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDecimal(ordinal);

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
