namespace Platform.Cli.Tests;

public sealed class MlflowCommandsTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--host", "not-an-address")]
    [InlineData("--store", "")]
    public async Task MlflowServer_InvalidOption_ExitsNonZeroWithoutStarting(string option, string value)
    {
        var store = Path.Combine(Path.GetTempPath(), $"mlflow-cli-{Guid.NewGuid():N}");
        string[] args = option == "--store" ? ["mlflow", "server", option, value] : ["mlflow", "server", option, value, "--store", store];
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var exitCode = await PlatformCommandLine.RunAsync(args);

            Assert.NotEqual(0, exitCode);
            Assert.StartsWith("platform mlflow: ", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(store));
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
