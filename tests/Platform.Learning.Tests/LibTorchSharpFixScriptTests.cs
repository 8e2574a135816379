using System.Diagnostics;

namespace Platform.Learning.Tests;

/// <summary>
/// The build script that makes TorchSharp's native library load on an old libstdc++, run on small stand-ins: a
/// "library" needing GLIBCXX_3.4.32 for std::ios_base_library_init(), and fake system libraries without and with it.
/// </summary>
public sealed class LibTorchSharpFixScriptTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-glibcxx-").FullName;

    public LibTorchSharpFixScriptTests()
    {
        File.WriteAllText(Path.Combine(directory, "new.c"), "void _ZSt21ios_base_library_initv(void) {}\n");
        File.WriteAllText(Path.Combine(directory, "new.map"), "GLIBCXX_3.4.30 { }; GLIBCXX_3.4.32 { global: _ZSt21ios_base_library_initv; } GLIBCXX_3.4.30;\n");
        File.WriteAllText(Path.Combine(directory, "old.c"), "int old_marker(void) { return 1; }\n");
        File.WriteAllText(Path.Combine(directory, "old.map"), "GLIBCXX_3.4.30 { global: *; };\n");
        File.WriteAllText(Path.Combine(directory, "consumer.c"), "void _ZSt21ios_base_library_initv(void);\nvoid consumer(void) { _ZSt21ios_base_library_initv(); }\n");
        Run("gcc", "-shared", "-fPIC", "-Wl,--version-script=new.map", "-Wl,-soname,libfakenew.so", "-o", "libfakenew.so", "new.c");
        Run("gcc", "-shared", "-fPIC", "-Wl,--version-script=old.map", "-o", "libfakeold.so", "old.c");
        Run("gcc", "-shared", "-fPIC", "-o", "libconsumer.so", "consumer.c", "-L.", "-lfakenew");
    }

    [Fact]
    public void Script_SystemLibstdcxxTooOld_WritesPatchedCopyWithWeakVersionAndShim()
    {
        var status = Fix("libfakeold.so", "out");

        Assert.Equal("patched", status);
        var versions = Run("readelf", "-V", "out/libLibTorchSharp.so");
        Assert.Matches("GLIBCXX_3\\.4\\.32\\s+Flags: WEAK", versions);
        Assert.Contains("[libplatform_ios_base_init.so]", Run("readelf", "-d", "out/libLibTorchSharp.so"), StringComparison.Ordinal);
        Assert.DoesNotContain("(GLIBCXX_3.4.32)", Run("objdump", "-T", "out/libLibTorchSharp.so"), StringComparison.Ordinal);
        Assert.Contains("_ZSt21ios_base_library_initv", Run("objdump", "-T", "out/libplatform_ios_base_init.so"), StringComparison.Ordinal);
        Assert.Contains("(GLIBCXX_3.4.32)", Run("objdump", "-T", "libconsumer.so"), StringComparison.Ordinal);
    }

    [Fact]
    public void Script_RunTwice_SameBytes()
    {
        Fix("libfakeold.so", "first");
        Fix("libfakeold.so", "second");

        Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "first", "libLibTorchSharp.so")), File.ReadAllBytes(Path.Combine(directory, "second", "libLibTorchSharp.so")));
    }

    [Fact]
    public void Script_SystemLibstdcxxNewEnough_PatchesNothing()
    {
        var status = Fix("libfakenew.so", "out");

        Assert.Equal("not-needed", status);
        Assert.False(File.Exists(Path.Combine(directory, "out", "libLibTorchSharp.so")));
    }

    [Fact]
    public void Script_AlreadyPatchedLibrary_PatchesNothing()
    {
        Fix("libfakeold.so", "out");
        File.Copy(Path.Combine(directory, "out", "libLibTorchSharp.so"), Path.Combine(directory, "patched.so"));

        Assert.Equal("not-needed", Fix("libfakeold.so", "again", source: "patched.so"));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string Fix(string systemLibrary, string output, string source = "libconsumer.so")
    {
        Run(new Dictionary<string, string> { ["PLATFORM_SYSTEM_LIBSTDCXX"] = Path.Combine(directory, systemLibrary) }, "bash", ScriptPath(), source, output);
        return File.ReadAllText(Path.Combine(directory, output, "status")).Trim();
    }

    private string Run(params string[] command) => Run(new Dictionary<string, string>(), command);

    private string Run(Dictionary<string, string> environment, params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} failed ({process.ExitCode}): {error}");
        return output.Result;
    }

    /// <summary>The script in the source tree, found by walking up from the test's output folder to the solution.</summary>
    private static string ScriptPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "services", "Platform.Learning", "build", "native", "fix-libtorchsharp-glibcxx.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new FileNotFoundException("fix-libtorchsharp-glibcxx.sh not found above the test output folder.");
    }
}
