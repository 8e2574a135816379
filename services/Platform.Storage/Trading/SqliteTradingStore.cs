using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Platform.Storage.Trading;

/// <summary>
/// The embedded trading store: one SQLite file in the data directory (WAL, so readers such as <c>platform orders</c>
/// never block the writer). Decimals are stored as their exact invariant text, instants as fixed-width UTC text.
/// </summary>
public sealed class SqliteTradingStore : SqlTradingStore
{
    public const string FileName = "trading.db";

    private static readonly IReadOnlyList<SchemaMigration> SqliteMigrations = SchemaMigration.FromResources(typeof(SqliteTradingStore).Assembly, "trading/sqlite/");

    private readonly string connectionString;

    private SqliteTradingStore(string path)
        : base(new SqliteDialect())
    {
        Path = path;
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public string Path { get; }

    public override string Description => $"SQLite {Path}";

    protected override IReadOnlyList<SchemaMigration> Migrations => SqliteMigrations;

    /// <summary>Opens (creating when absent) the store file and applies pending migrations.</summary>
    public static async Task<SqliteTradingStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var store = new SqliteTradingStore(path);
        try
        {
            await using (var connection = await store.OpenConnectionAsync(cancellationToken))
            await using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL";
                await wal.ExecuteNonQueryAsync(cancellationToken);
            }

            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted after disposal.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var sync = connection.CreateCommand())
        {
            // WAL + NORMAL: a commit survives the process dying, and costs no fsync; an OS crash may lose the newest
            // commits. The execution service tolerates that: a resent order is refused as a duplicate client order id
            // and then recorded from the exchange. PostgreSQL (PLATFORM_POSTGRES) is fully durable.
            sync.CommandText = "PRAGMA synchronous = NORMAL";
            await sync.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    private sealed class SqliteDialect : SqlDialect
    {
        private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

        public override string TimeType => "TEXT";

        public override object Money(decimal value) => value.ToString(CultureInfo.InvariantCulture);

        public override decimal ReadMoney(DbDataReader reader, int ordinal) =>
            decimal.Parse(reader.GetString(ordinal), NumberStyles.Number, CultureInfo.InvariantCulture);

        public override object Time(DateTimeOffset value) => Micro(value).ToString(TimeFormat, CultureInfo.InvariantCulture);

        public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
            DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        public override object Day(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the write lock is taken at BEGIN, which already serialises migrations.
        public override Task LockMigrationsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
