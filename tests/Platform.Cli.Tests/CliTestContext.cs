using System.Text.Json;

namespace Platform.Cli.Tests;

/// <summary>Runs the CLI in-process against temporary folders.</summary>
public sealed class CliTestContext : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("platform-cli-").FullName;

    public static Task<int> RunAsync(params string[] args) => PlatformCommandLine.RunAsync(args);

    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public JsonElement ReadJson(params string[] parts) => JsonDocument.Parse(File.ReadAllText(PathOf(parts))).RootElement;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
