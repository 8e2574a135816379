using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.TemporalServer.Hosting;
using Temporalio.Client;

namespace Platform.Cli.Tests;

/// <summary>The CLI and `temporal start-dev` as processes meet them: signals, and a Temporal server that goes away for a while.</summary>
public sealed class TemporalResilienceTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task StartDev_Signal_StopsCleanlyWithinSeconds(string signal)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Platform.Cli.dll"), "temporal", "start-dev", "--port", "0", "--db-filename", context.PathOf("temporal.db") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = new List<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.Add(e.Data ?? "");
            }

            if (e.Data?.Contains("Temporal-compatible server on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var stopwatch = Stopwatch.StartNew();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(0, process.ExitCode);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
            lock (output)
            {
                Assert.Contains("stopped", output);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Demo_ExternalTemporalRestartsMidRun_WaitsAndFinishes()
    {
        var options = new TemporalServerOptions { Port = FreePort(), DatabasePath = context.PathOf("temporal.db") };
        var server = await TemporalServerHost.StartAsync(options);
        var address = Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        var error = Console.Error;
        var captured = new StringWriter();
        Console.SetError(TextWriter.Synchronized(captured));
        Environment.SetEnvironmentVariable("TEMPORAL_ADDRESS", server.TargetHost);
        try
        {
            var demo = CliTestContext.RunAsync("demo", "--data-dir", context.PathOf("state"), "--out", context.PathOf("out"));
            var watcher = await TemporalClient.ConnectAsync(new(server.TargetHost));
            while (!demo.IsCompleted && !await TrainingStartedAsync(watcher))
            {
                await Task.Delay(100);
            }

            Assert.False(demo.IsCompleted, "the demo ended before its training started");
            await server.DisposeAsync(); // the outage: every call in flight fails, new ones are refused
            await Task.Delay(TimeSpan.FromSeconds(3));
            server = await TemporalServerHost.StartAsync(options);

            var exit = await demo.WaitAsync(TimeSpan.FromMinutes(5));

            Assert.Equal(0, exit);
            Assert.Contains("Temporal is unavailable", captured.ToString(), StringComparison.Ordinal);
            Assert.Contains("waiting to", captured.ToString(), StringComparison.Ordinal);
            Assert.Contains("Promoted", await File.ReadAllTextAsync(context.PathOf("out", "demo.md")), StringComparison.Ordinal);
        }
        finally
        {
            Console.SetError(error);
            Environment.SetEnvironmentVariable("TEMPORAL_ADDRESS", address);
            await server.DisposeAsync();
        }
    }

    private static async Task<bool> TrainingStartedAsync(TemporalClient client)
    {
        await foreach (var execution in client.ListWorkflowsAsync(""))
        {
            if (execution.WorkflowType == "TrainingWorkflow")
            {
                return true;
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The worker and the CLI reach a Temporal server that requires TLS and an API key by configuration alone.</summary>
public sealed class TemporalCredentialTests : IDisposable
{
    private const string ApiKey = "cli-test-api-key-0123456789";
    private static readonly string[] Variables = ["TEMPORAL_ADDRESS", "TEMPORAL_API_KEY", "TEMPORAL_TLS_CA", "TEMPORAL_TLS_SERVER_NAME"];
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task Rollback_TlsAndApiKeyFromEnvironment_WorkerAndCliReachTheServer()
    {
        using var certificates = Platform.TemporalServer.Tests.TestCertificates.Create(context.Directory);
        var options = new TemporalServerOptions { Port = 0, TlsCertificatePath = certificates.ServerCertificatePath, TlsKeyPath = certificates.ServerKeyPath, ApiKeys = { ApiKey } };
        await using var server = await TemporalServerHost.StartAsync(options);
        string?[] saved = [.. Variables.Select(Environment.GetEnvironmentVariable)];
        try
        {
            Environment.SetEnvironmentVariable("TEMPORAL_ADDRESS", server.TargetHost);
            Environment.SetEnvironmentVariable("TEMPORAL_API_KEY", ApiKey);
            Environment.SetEnvironmentVariable("TEMPORAL_TLS_CA", certificates.CaPath);
            Environment.SetEnvironmentVariable("TEMPORAL_TLS_SERVER_NAME", "localhost");
            await using var runtime = await Platform.Worker.PlatformRuntime.StartAsync(new Platform.Worker.PlatformOptions { DataDirectory = context.PathOf("state"), EmbeddedMlflowPort = 0 }.WithEnvironment());

            // The worker runs the rollback (no previous champion: a business failure, exit 2); the CLI started it.
            var withKey = await CliTestContext.RunAsync("rollback", "--model", "tls-model", "--by", "ops", "--reason", "test");
            Environment.SetEnvironmentVariable("TEMPORAL_API_KEY", "not-the-key-0123456789");
            var output = new StringWriter();
            var console = Spectre.Console.AnsiConsole.Console;
            var error = Console.Error;
            Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new() { Out = new Spectre.Console.AnsiConsoleOutput(output), Ansi = Spectre.Console.AnsiSupport.No });
            Console.SetError(output);
            int withoutKey;
            try
            {
                withoutKey = await CliTestContext.RunAsync("rollback", "--model", "tls-model", "--by", "ops", "--reason", "test");
            }
            finally
            {
                Spectre.Console.AnsiConsole.Console = console;
                Console.SetError(error);
            }

            Assert.False(runtime.EmbeddedTemporal);
            Assert.Equal("TLS, API key", runtime.Temporal.Describe());
            Assert.Equal(2, withKey);
            var history = await runtime.Client.ListWorkflowsAsync("WorkflowType = 'RollbackWorkflow'").ToListAsync();
            Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Failed, Assert.Single(history).Status);
            Assert.Equal(2, withoutKey);
            Assert.Contains("API key", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Temporal is unavailable", output.ToString(), StringComparison.Ordinal); // an auth failure is not retried
        }
        finally
        {
            for (var i = 0; i < Variables.Length; i++)
            {
                Environment.SetEnvironmentVariable(Variables[i], saved[i]);
            }
        }
    }
}
