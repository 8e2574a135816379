namespace Platform.Cli.Tests;

public sealed class FeatureCommandTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task FeaturesExport_OneDayNormalisedOnTraining_WritesOneRowPerHourWithEveryFeature()
    {
        var path = context.PathOf("features.csv");

        var exit = await CliTestContext.RunAsync("features", "export", "--from", "2022-12-01", "--to", "2022-12-02", "--normalize-on", "2021-01-01:2022-01-01", "--out", path);

        Assert.Equal(0, exit);
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(25, lines.Length);
        Assert.Equal(19, lines[0].Split(',').Length);
        Assert.StartsWith("2022-12-01T00:00:00Z,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeaturesExport_BadSpecFile_ExitsTwo()
    {
        var spec = context.PathOf("spec.json");
        await File.WriteAllTextAsync(spec, """{"name":"x","version":1,"window_length":4,"lookback":4,"inputs":[{"symbol":"LTCUSDT","features":["LogTradeCountRatio"]}]}""");

        Assert.Equal(2, await CliTestContext.RunAsync("features", "export", "--spec", spec, "--out", context.PathOf("f.csv")));
        Assert.Equal(2, await CliTestContext.RunAsync("features", "show", "--spec", context.PathOf("missing.json")));
    }
}
