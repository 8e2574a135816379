using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.TemporalServer.Hosting;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Testing;
using Temporalio.Worker;

namespace Platform.TemporalServer.Tests;

/// <summary>Durability of the embedded server: restarts, hard kills and the stock WorkflowEnvironment launcher.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("temporal-server-test-").FullName;
    private readonly GreetingActivities _activities = new();

    private string DatabasePath => Path.Combine(_directory, "temporal.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Restart_WorkflowWaitingOnSignalAndTimer_ContinuesOnSameFile()
    {
        var workflowId = $"restart-{Guid.NewGuid():N}";
        var taskQueue = $"tq-{Guid.NewGuid():N}";
        await using (var first = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = DatabasePath }))
        {
            var client = await TemporalClient.ConnectAsync(new(first.TargetHost));
            using var worker = NewWorker(client, taskQueue);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(1500), new(workflowId, taskQueue));
                await handle.SignalAsync(wf => wf.AddAsync("before"));
                await WorkflowConformanceTests.WaitForHistoryAsync(handle, EventType.WorkflowExecutionSignaled);
            });
        }

        await using var second = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = DatabasePath });
        var reconnected = await TemporalClient.ConnectAsync(new(second.TargetHost));
        using var newWorker = NewWorker(reconnected, taskQueue);
        var result = await newWorker.ExecuteAsync(async () =>
        {
            var handle = reconnected.GetWorkflowHandle<InteractiveWorkflow>(workflowId);
            await handle.SignalAsync(wf => wf.AddAsync("after"));
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync<string>();
        });
        Assert.Equal("before,after", result);
    }

    [Fact]
    public async Task Restart_ScheduleKeepsFiringOnSameFile()
    {
        var scheduleId = $"sched-{Guid.NewGuid():N}";
        var taskQueue = $"tq-{Guid.NewGuid():N}";
        long actionsBefore;
        await using (var first = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = DatabasePath }))
        {
            var client = await TemporalClient.ConnectAsync(new(first.TargetHost));
            var handle = await client.CreateScheduleAsync(scheduleId, new Temporalio.Client.Schedules.Schedule(
                Temporalio.Client.Schedules.ScheduleActionStartWorkflow.Create((GreetingWorkflow wf) => wf.RunAsync("tick"), new($"tick-{scheduleId}", taskQueue)),
                new Temporalio.Client.Schedules.ScheduleSpec { Intervals = [new(TimeSpan.FromSeconds(1))] })
            {
                Policy = new() { Overlap = ScheduleOverlapPolicy.AllowAll },
            });
            actionsBefore = await WaitForActionsAsync(handle, 1);
        }

        await using var second = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = DatabasePath });
        var reconnected = await TemporalClient.ConnectAsync(new(second.TargetHost));
        var after = await WaitForActionsAsync(reconnected.GetScheduleHandle(scheduleId), actionsBefore + 1);
        Assert.True(after > actionsBefore, $"schedule fired {after} times after restart, {actionsBefore} before");
        await reconnected.GetScheduleHandle(scheduleId).DeleteAsync();
    }

    private static async Task<long> WaitForActionsAsync(Temporalio.Client.Schedules.ScheduleHandle handle, long actions)
    {
        for (var i = 0; i < 100; i++)
        {
            var count = (await handle.DescribeAsync()).Info.NumActions;
            if (count >= actions)
            {
                return count;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"schedule never reached {actions} actions");
    }

    [Fact]
    public async Task KillServerProcess_MidWorkflow_RestartedProcessFinishesIt()
    {
        var port = FreePort();
        var workflowId = $"killed-{Guid.NewGuid():N}";
        var taskQueue = $"tq-{Guid.NewGuid():N}";
        using (var server = StartServerProcess(port))
        {
            var client = await ConnectWithRetryAsync(port);
            using var worker = NewWorker(client, taskQueue);
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), new(workflowId, taskQueue));
                await handle.ExecuteUpdateAsync(wf => wf.ApproveAsync("first"));
            });
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        using var restarted = StartServerProcess(port);
        try
        {
            var client = await ConnectWithRetryAsync(port);
            using var worker = NewWorker(client, taskQueue);
            var result = await worker.ExecuteAsync(async () =>
            {
                var handle = client.GetWorkflowHandle<InteractiveWorkflow>(workflowId);
                await handle.ExecuteUpdateAsync(wf => wf.ApproveAsync("second"));
                await handle.SignalAsync(wf => wf.FinishAsync());
                return await handle.GetResultAsync<string>();
            });
            Assert.Equal("approved-by-first,approved-by-second", result);
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task WorkflowEnvironment_StartLocalWithExistingPath_RunsWorkflow()
    {
        await using var environment = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = ServerExecutable() },
            TargetHost = $"127.0.0.1:{FreePort()}",
            Namespace = "conformance",
        });
        var taskQueue = $"tq-{Guid.NewGuid():N}";
        using var worker = NewWorker(environment.Client, taskQueue);
        var result = await worker.ExecuteAsync(() =>
            environment.Client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("environment"), new($"env-{Guid.NewGuid():N}", taskQueue)));
        Assert.Equal("Hello, environment!", result);
    }

    private TemporalWorker NewWorker(ITemporalClient client, string taskQueue) =>
        new(client, new TemporalWorkerOptions(taskQueue).AddAllActivities(_activities).AddWorkflow<InteractiveWorkflow>().AddWorkflow<GreetingWorkflow>());

    private static string ServerExecutable() => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Platform.TemporalServer.exe" : "Platform.TemporalServer");

    private Process StartServerProcess(int port)
    {
        var start = new ProcessStartInfo(ServerExecutable())
        {
            ArgumentList = { "server", "start-dev", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ip", "127.0.0.1", "--db-filename", DatabasePath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("server process did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<TemporalClient> ConnectWithRetryAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await TemporalClient.ConnectAsync(new($"127.0.0.1:{port}"));
            }
            catch (Exception) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
