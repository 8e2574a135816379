using System.Text.Json;

namespace Platform.Cli.Tests;

/// <summary>Runs the CLI in-process against temporary folders.</summary>
public sealed class CliTestContext : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("platform-cli-").FullName;

    public static Task<int> RunAsync(params string[] args) => PlatformCommandLine.RunAsync(args);

    /// <summary>Runs the CLI and returns what it wrote to stdout and stderr (plain writers; Spectre's tables are not captured).</summary>
    public static async Task<(int Exit, string Out, string Error)> RunCapturedAsync(params string[] args)
    {
        // Spectre binds to the stdout of its first use: make that the real one, not a writer disposed after this run.
        _ = Spectre.Console.AnsiConsole.Console.Profile;
        var (output, error) = (Console.Out, Console.Error);
        using var capturedOut = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedError);
        try
        {
            var exit = await PlatformCommandLine.RunAsync(args);
            return (exit, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public JsonElement ReadJson(params string[] parts) => JsonDocument.Parse(File.ReadAllText(PathOf(parts))).RootElement;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
