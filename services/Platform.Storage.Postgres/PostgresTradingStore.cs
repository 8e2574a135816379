using System.Data.Common;
using Npgsql;
using Platform.Storage.Trading;

namespace Platform.Storage.Postgres;

/// <summary>
/// The trading store on PostgreSQL: NUMERIC money (exact), timestamptz instants, date partition days; migrations are
/// applied at open under an advisory lock, so several workers starting at once migrate once.
/// </summary>
public sealed class PostgresTradingStore : SqlTradingStore
{
    private static readonly IReadOnlyList<SchemaMigration> PostgresMigrations = SchemaMigration.FromResources(typeof(PostgresTradingStore).Assembly, "trading/postgres/");

    private readonly NpgsqlDataSource dataSource;

    private PostgresTradingStore(PostgresConnectionString connection)
        : base(new PostgresDialect())
    {
        Connection = connection;
        dataSource = NpgsqlDataSource.Create(connection.Value);
    }

    public PostgresConnectionString Connection { get; }

    public override string Description => $"PostgreSQL {Connection}";

    protected override IReadOnlyList<SchemaMigration> Migrations => PostgresMigrations;

    /// <summary>Connects and applies pending migrations; a server that cannot be reached is a clear error naming host and database (never the password).</summary>
    public static async Task<PostgresTradingStore> OpenAsync(PostgresConnectionString connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var store = new PostgresTradingStore(connection);
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await store.DisposeAsync();
            throw new InvalidOperationException($"cannot open the trading store at {connection}: {e.Message}", e);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    private sealed class PostgresDialect : SqlDialect
    {
        // An arbitrary constant shared by every platform build: "trading store migrations".
        private const long MigrationLockKey = 0x706c_7473_6d69;

        public override string TimeType => "TIMESTAMPTZ";

        public override object Money(decimal value) => value;

        public override decimal ReadMoney(DbDataReader reader, int ordinal) => reader.GetDecimal(ordinal);

        public override object Time(DateTimeOffset value) => Micro(value);

        public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

        public override object Day(DateTimeOffset value) => DateOnly.FromDateTime(value.UtcDateTime);

        public override async Task LockMigrationsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLockKey})";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
