using Microsoft.Data.Sqlite;
using Platform.Storage.Postgres;
using Platform.Storage.Trading;

namespace Platform.Storage.Tests;

public sealed class SchemaMigrationTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-migrations-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<SqliteTradingStore> OpenAsync() => await SqliteTradingStore.OpenAsync(Path.Combine(directory, SqliteTradingStore.FileName));

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, SqliteTradingStore.FileName)}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task OpenAsync_FreshFile_RecordsEachMigrationOnce()
    {
        await using (await OpenAsync())
        {
        }

        await using var store = await OpenAsync();
        await using var connection = new SqliteConnection($"Data Source={store.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(version || ':' || name) FROM schema_migrations";
        Assert.Equal("1:trading_store", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task OpenAsync_AppliedMigrationEdited_FailsNamingIt()
    {
        await using (await OpenAsync())
        {
        }

        await ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);
        Assert.Contains("migration 1 (trading_store) was changed after it was applied", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_StoreFromANewerBuild_FailsAndChangesNothing()
    {
        await using (await OpenAsync())
        {
        }

        await ExecuteAsync("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '2030-01-01')");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);
        Assert.Contains("schema versions this build does not know (99)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromResources_BothAdapters_AreOrderedAndCoverTheSameVersions()
    {
        var sqlite = SchemaMigration.FromResources(typeof(SqliteTradingStore).Assembly, "trading/sqlite/");
        var postgres = SchemaMigration.FromResources(typeof(PostgresTradingStore).Assembly, "trading/postgres/");

        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite.Select(m => (m.Version, m.Name)), postgres.Select(m => (m.Version, m.Name)));
        Assert.Equal(sqlite.Select(m => m.Version).Order(), sqlite.Select(m => m.Version));
    }
}

public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void ToString_WithPassword_NamesServerButNeverThePassword()
    {
        var connection = PostgresConnectionString.Parse("Host=db.internal;Port=6432;Database=trading;Username=platform;Password=s3cr3t-value");

        Assert.Equal("db.internal:6432/trading as platform", connection.ToString());
        Assert.DoesNotContain("s3cr3t-value", connection.ToString(), StringComparison.Ordinal);
        Assert.Contains("s3cr3t-value", connection.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("Password=s3cr3t-value;Database=x", "needs Host")]
    [InlineData("Host=db;Password=s3cr3t-value;Port=abc", "not a valid PostgreSQL connection string")]
    [InlineData("Host=db;Passwrd=s3cr3t-value", "not a valid PostgreSQL connection string")]
    public void Parse_BadText_ClearErrorWithoutTheText(string text, string expected)
    {
        var e = Assert.Throws<Platform.Domain.InvalidRequestException>(() => PostgresConnectionString.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", e.ToString(), StringComparison.Ordinal);
    }
}
