using Platform.Domain.Execution;
using Platform.Domain.Trading;
using Platform.Storage.Trading;
using Spectre.Console;

namespace Platform.Cli.Tests;

public sealed class TradingStoreCommandTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly CliTestContext context = new();
    private readonly IAnsiConsole original = AnsiConsole.Console;
    private readonly StringWriter output = new();

    public TradingStoreCommandTests()
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        AnsiConsole.Console.Profile.Width = 250;
    }

    public void Dispose()
    {
        AnsiConsole.Console = original;
        output.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        context.Dispose();
    }

    private async Task SeedAsync()
    {
        await using var store = await SqliteTradingStore.OpenAsync(context.PathOf(SqliteTradingStore.FileName));
        await store.UpsertOrderAsync(new ExchangeOrder(TradingMode.Paper, "BTCUSDT", 1001, "plold", TradeSide.Buy, OrderType.Market, ExchangeOrderStatus.Filled, null, 0.5m, 0.5m, 30_000m, T0.AddDays(-2), T0.AddDays(-2)));
        await store.UpsertOrderAsync(new ExchangeOrder(TradingMode.Paper, "BTCUSDT", 1002, "plnew", TradeSide.Sell, OrderType.Limit, ExchangeOrderStatus.New, 61_234.5678m, 0.01234m, 0m, 0m, T0, T0));
        await store.UpsertPositionAsync(new TradingPosition(TradingMode.Paper, "BTCUSDT", 0.01234567m, 60_000.12m, -3.21m, T0));
        await store.RecordRiskEventAsync(new RiskEvent("r-1", TradingMode.Paper, "BTCUSDT", T0, "max_notional", RiskVerdict.Rejected, "notional 900 over 500", 900m, 500m, "d-1", "plnew"));
        await store.RecordKillSwitchAsync(new KillSwitchEvent("k-1", true, "alice", "manual stop", T0.AddMinutes(1)));
    }

    [Fact]
    public async Task Orders_From_ListsOrdersSinceThatTime()
    {
        await SeedAsync();

        var exit = await CliTestContext.RunAsync("orders", "--data-dir", context.Directory, "--from", "2024-03-01");

        Assert.Equal(0, exit);
        var text = output.ToString();
        Assert.Contains("1 orders since 2024-03-01 00:00:00Z", text, StringComparison.Ordinal);
        Assert.Contains("plnew", text, StringComparison.Ordinal);
        Assert.Contains("61234.5678", text, StringComparison.Ordinal);
        Assert.DoesNotContain("plold", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Positions_ShowsExactQuantities()
    {
        await SeedAsync();

        Assert.Equal(0, await CliTestContext.RunAsync("positions", "--data-dir", context.Directory));

        Assert.Contains("0.01234567", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("-3.21", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RiskStatus_ShowsKillSwitchAndRecentRejections()
    {
        await SeedAsync();

        Assert.Equal(0, await CliTestContext.RunAsync("risk", "status", "--data-dir", context.Directory));

        var text = output.ToString();
        Assert.Contains("kill switch: ENGAGED by alice", text, StringComparison.Ordinal);
        Assert.Contains("max_notional", text, StringComparison.Ordinal);
        Assert.Contains("rejected", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orders_NoStoreInDataDirectory_FailsClearlyAndCreatesNothing()
    {
        var empty = context.PathOf("empty");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("orders", "--data-dir", empty);

        Assert.Equal(CliRunner.UserError, exit);
        Assert.Contains("no trading store at", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(empty));
    }

    [Fact]
    public async Task KillThenResume_SwitchEngagedAuditedAndLiftedOnlyByANamedPerson()
    {
        Assert.Equal(0, await CliTestContext.RunAsync("kill", "--reason", "exchange incident", "--by", "alice", "--data-dir", context.Directory));
        Assert.Contains("kill switch ENGAGED by alice", output.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, await CliTestContext.RunAsync("resume", "--by", " ", "--reason", "all clear", "--data-dir", context.Directory));
        await using (var store = await SqliteTradingStore.OpenAsync(context.PathOf(SqliteTradingStore.FileName)))
        {
            Assert.Equal((true, "alice", "exchange incident"), await store.GetKillSwitchAsync() is { } k ? (k.Engaged, k.By, k.Reason) : default);
        }

        Assert.Equal(0, await CliTestContext.RunAsync("resume", "--by", "bob", "--reason", "all clear", "--data-dir", context.Directory));
        Assert.Equal(2, await CliTestContext.RunAsync("resume", "--by", "bob", "--reason", "again", "--data-dir", context.Directory));
        Assert.Equal(0, await CliTestContext.RunAsync("risk", "status", "--data-dir", context.Directory));
        Assert.Contains("kill switch: lifted by bob", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await CliTestContext.RunAsync("kill", "--data-dir", context.Directory));
    }

    [Fact]
    public async Task Orders_BadMode_IsAUserError()
    {
        await SeedAsync();

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("orders", "--data-dir", context.Directory, "--mode", "demo");

        Assert.Equal(CliRunner.UserError, exit);
        Assert.Contains("--mode: 'demo' is not paper, testnet or live", error, StringComparison.Ordinal);
    }
}
