namespace Platform.Cli.Tests;

/// <summary>`platform trade start` refuses what would trade by accident, before it talks to the platform.</summary>
public sealed class TradeCommandTests
{
    [Theory]
    [InlineData("--mode", "live")]
    [InlineData("--mode", "live", "--live")]
    [InlineData("--mode", "live", "--confirm-account", "123")]
    [InlineData("--mode", "paper", "--live", "--exchange", "http://127.0.0.1:9443")]
    [InlineData("--mode", "paper")]
    [InlineData("--mode", "margin", "--exchange", "http://127.0.0.1:9443")]
    [InlineData("--mode", "paper", "--exchange", "not a url")]
    public async Task TradeStart_UnsafeOrInvalid_ExitsTwoWithoutStarting(params string[] arguments)
    {
        var (exit, _, errors) = await CliTestContext.RunCapturedAsync(["trade", "start", .. arguments]);

        Assert.True(exit == 2, errors);
        Assert.Contains("--", errors, StringComparison.Ordinal);
    }
}
