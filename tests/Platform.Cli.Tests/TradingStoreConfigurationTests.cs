using Platform.Storage.Postgres;
using Platform.Storage.Trading;
using Platform.Worker;

namespace Platform.Cli.Tests;

/// <summary>PLATFORM_POSTGRES in the platform's configuration (CLI tests run one at a time, so the variable is safe to set).</summary>
public sealed class TradingStoreConfigurationTests : IDisposable
{
    private const string Secret = "s3cr3t-pass";
    private readonly CliTestContext context = new();
    private readonly string? previous = Environment.GetEnvironmentVariable(PostgresConnectionString.EnvironmentVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(PostgresConnectionString.EnvironmentVariable, previous);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        context.Dispose();
    }

    [Fact]
    public void WithEnvironment_PlatformPostgres_SelectsPostgresAndPrintsNoPassword()
    {
        Environment.SetEnvironmentVariable(PostgresConnectionString.EnvironmentVariable, $"Host=127.0.0.1;Port=5544;Database=trading;Username=platform;Password={Secret}");

        var options = new PlatformOptions { DataDirectory = context.Directory }.WithEnvironment();

        Assert.NotNull(options.Postgres);
        Assert.Equal("127.0.0.1:5544/trading as platform", options.Postgres.ToString());
        Assert.DoesNotContain(Secret, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithEnvironment_MalformedPlatformPostgres_FailsWithoutRepeatingIt()
    {
        Environment.SetEnvironmentVariable(PostgresConnectionString.EnvironmentVariable, $"Host=db;Port=notaport;Password={Secret}");

        var e = Assert.Throws<Platform.Domain.InvalidRequestException>(() => new PlatformOptions().WithEnvironment());

        Assert.Contains("PLATFORM_POSTGRES is not a valid PostgreSQL connection string", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnreachablePostgres_FailsBeforeStartingServersWithoutThePassword()
    {
        var options = new PlatformOptions
        {
            DataDirectory = context.Directory, EmbeddedTemporalPort = 0, EmbeddedMlflowPort = 0, InMemoryTemporal = true,
            Postgres = PostgresConnectionString.Parse($"Host=127.0.0.1;Port=1;Database=trading;Username=platform;Password={Secret};Timeout=5"),
        };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PlatformRuntime.StartAsync(options));

        Assert.Contains("cannot open the trading store at 127.0.0.1:1/trading as platform", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(context.Directory, "mlflow")));
    }

    [Fact]
    public async Task OpenAsync_NoPostgres_UsesTheEmbeddedFileInTheDataDirectory()
    {
        await using var store = await TradingStores.OpenAsync(null, context.Directory);

        Assert.IsType<SqliteTradingStore>(store);
        Assert.True(File.Exists(Path.Combine(context.Directory, SqliteTradingStore.FileName)));
    }
}
