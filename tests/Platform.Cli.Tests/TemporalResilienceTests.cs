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
