namespace Platform.Cli.Tests;

public sealed class DataAndResearchCommandTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task DataValidate_BundledData_ExitsZeroAndListsThirteenOutageHours()
    {
        var exit = await CliTestContext.RunAsync("data", "validate", "--out", context.PathOf("v"));

        Assert.Equal(0, exit);
        var missing = context.ReadJson("v", "validation.json").GetProperty("common_missing_open_times");
        Assert.Equal(13, missing.GetArrayLength());
        Assert.Single(File.ReadAllLines(context.PathOf("v", "rejected.csv"))); // header only
    }

    [Fact]
    public async Task DataValidate_BadRows_ExitsThreeAndQuarantinesEachWithReason()
    {
        var data = context.PathOf("bad");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "BTCUSDT.csv"), string.Join('\n',
            "1672531200000,100,101,99,100,1",
            "1672534800000,100,101,99,100,-1",
            "1672538400000,100,101,99,NaN,1",
            "1672538400000,100,101,99,100,1",
            "1672538400000,100,101,99,100,1",
            "1672542000000,100,99,101,100,1"));

        var exit = await CliTestContext.RunAsync("data", "validate", "--data", data, "--out", context.PathOf("v"));

        Assert.Equal(3, exit);
        var rejected = File.ReadAllLines(context.PathOf("v", "rejected.csv")).Skip(1).ToList();
        Assert.Equal(4, rejected.Count);
        Assert.Contains(rejected, r => r.Contains(",2,", StringComparison.Ordinal) && r.Contains("negative_value", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Contains(",3,", StringComparison.Ordinal) && r.Contains("non_finite_value", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Contains(",5,", StringComparison.Ordinal) && r.Contains("duplicate_open_time", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Contains(",6,", StringComparison.Ordinal) && r.Contains("ohlc_inconsistent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DataValidate_MalformedFile_ExitsTwo()
    {
        var data = context.PathOf("malformed");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "BTCUSDT.csv"), "1672531200000,100,101,99,oops,1\n");

        Assert.Equal(2, await CliTestContext.RunAsync("data", "validate", "--data", data));
    }

    [Fact]
    public async Task Research_BundledData_WritesComparisonAndOneFolderPerBaseline()
    {
        var output = context.PathOf("research");
        var exit = await CliTestContext.RunAsync("research", "--out", output);

        Assert.Equal(0, exit);
        var summary = await File.ReadAllTextAsync(Path.Combine(output, "summary.md"));
        Assert.Contains("2022-01-01 to 2023-01-01", summary, StringComparison.Ordinal);
        foreach (var policy in new[] { "buy-and-hold", "always-flat", "random", "momentum" })
        {
            Assert.Contains(policy, summary, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, policy, "metrics.json")));
        }

        Assert.True(new FileInfo(Path.Combine(output, "profit-by-policy.png")).Length > 1000);
        var policies = context.ReadJson("research", "summary.json").GetProperty("policies");
        Assert.Equal(4, policies.GetArrayLength());
        Assert.Equal(0m, policies[1].GetProperty("final_profit").GetDecimal());
    }
}
