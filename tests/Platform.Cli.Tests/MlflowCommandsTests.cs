using System.CommandLine;
using Platform.Cli.Commands;

namespace Platform.Cli.Tests;

public sealed class MlflowCommandsTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--host", "not-an-address")]
    [InlineData("--store", "")]
    public async Task MlflowServer_InvalidOption_ExitsNonZeroWithOneMessage(string option, string value)
    {
        var store = Path.Combine(Path.GetTempPath(), $"mlflow-cli-{Guid.NewGuid():N}");
        string[] args = option == "--store" ? ["mlflow", "server", option, value] : ["mlflow", "server", option, value, "--store", store];
        using var error = new StringWriter();
        var root = new RootCommand { MlflowCommands.Create(error) };

        var exitCode = await root.Parse(args).InvokeAsync();

        Assert.NotEqual(0, exitCode);
        Assert.StartsWith("platform mlflow: ", error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.False(Directory.Exists(store));
    }

    [Fact]
    public async Task MlflowBench_InvalidSize_ExitsNonZero()
    {
        using var error = new StringWriter();
        var root = new RootCommand { MlflowCommands.Create(error) };

        var exitCode = await root.Parse(["mlflow", "bench", "--artifact-mb", "0"]).InvokeAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("--artifact-mb", error.ToString(), StringComparison.Ordinal);
    }
}
