using Platform.Storage.Postgres;
using Platform.Storage.Trading;

namespace Platform.Worker;

/// <summary>Opens the trading store the configuration names: PostgreSQL when set, else the SQLite file in the data directory.</summary>
public static class TradingStores
{
    public static string EmbeddedPath(string dataDirectory) => Path.Combine(dataDirectory, SqliteTradingStore.FileName);

    /// <summary>Opens and migrates the store. With <paramref name="mustExist"/> (read-only commands) a missing embedded file is an error rather than a new empty store.</summary>
    public static async Task<SqlTradingStore> OpenAsync(PostgresConnectionString? postgres, string dataDirectory, bool mustExist = false, CancellationToken cancellationToken = default)
    {
        if (postgres is not null)
        {
            return await PostgresTradingStore.OpenAsync(postgres, cancellationToken);
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var path = EmbeddedPath(dataDirectory);
        return mustExist && !File.Exists(path)
            ? throw new FileNotFoundException($"no trading store at {Path.GetFullPath(path)}: pass the platform's --data-dir, or set {PostgresConnectionString.EnvironmentVariable}")
            : await SqliteTradingStore.OpenAsync(path, cancellationToken);
    }
}
