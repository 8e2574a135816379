namespace Platform.Cli.Tests;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task WalkForward_SmallRangeOneEpoch_WritesFoldsSummaryAndCharts()
    {
        var output = context.PathOf("wf");
        var exit = await CliTestContext.RunAsync(
            "evaluate", "walk-forward", "--from", "2022-08-01", "--to", "2022-12-01", "--train-months", "1", "--validate-months", "1", "--test-months", "1",
            "--fees", "0,0.001", "--max-epochs", "1", "--hidden", "8", "--out", output);

        Assert.Equal(0, exit);
        foreach (var file in new[] { "folds.csv", "summary.csv", "summary.json", "summary.md", "stitched-equity.csv", "sharpe-by-fold-fee-0.001.png", "equity-fee-0.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} is missing");
        }

        // 2 folds × (1 agent + 4 baselines) × 2 fees, plus the header.
        Assert.Equal(21, File.ReadAllLines(Path.Combine(output, "folds.csv")).Length);
        var policies = context.ReadJson("wf", "summary.json").GetProperty("policies");
        Assert.Contains(policies.EnumerateArray(), p => p.GetProperty("policy").GetString() == "dqn-linear");
    }

    [Theory]
    [InlineData("--train-months", "0")]
    [InlineData("--fees", "0.001,abc")]
    [InlineData("--to", "2021-03-01")]
    public async Task WalkForward_BadInput_UserError(string option, string value)
    {
        var exit = await CliTestContext.RunAsync("evaluate", "walk-forward", "--baselines-only", option, value, "--out", context.PathOf("bad"));

        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Sweep_BadEta_UserErrorBeforeStartingAnything()
    {
        var exit = await CliTestContext.RunAsync("sweep", "--eta", "1", "--out", context.PathOf("sweep"));

        Assert.Equal(2, exit);
        Assert.False(Directory.Exists(context.PathOf("sweep", "platform")));
    }
}
