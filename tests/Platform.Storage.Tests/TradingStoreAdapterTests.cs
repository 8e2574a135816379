using Platform.Storage.Postgres;
using Platform.TestSupport;
using Platform.Storage.Trading;

namespace Platform.Storage.Tests;

/// <summary>The trading-store contract on the embedded default: an SQLite file in a temp data directory.</summary>
public sealed class SqliteTradingStoreContractTests : TradingStoreContract
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-trading-").FullName;

    protected override async Task<SqlTradingStore> OpenAsync() => await SqliteTradingStore.OpenAsync(Path.Combine(directory, SqliteTradingStore.FileName));

    protected override Task CleanUpAsync()
    {
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The trading-store contract on PostgreSQL: a schema of its own per test, on the fixture's server.</summary>
public sealed class PostgresTradingStoreContractTests(PostgresServerFixture server) : TradingStoreContract, IClassFixture<PostgresServerFixture>
{
    private PostgresServerFixture.TestSchema? schema;

    protected override async Task<SqlTradingStore> OpenAsync()
    {
        schema ??= await server.CreateSchemaAsync();
        return await PostgresTradingStore.OpenAsync(schema.Connection);
    }

    protected override async Task CleanUpAsync()
    {
        if (schema is not null)
        {
            await schema.DisposeAsync();
        }
    }
}
