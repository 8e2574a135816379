using Platform.TemporalServer.Grpc;
using Platform.TemporalServer.Hosting;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.TemporalServer.Tests;

/// <summary>Behaviour specific to the embedded server (what it deliberately does not implement, argument parsing).</summary>
public sealed class EmbeddedServerTests
{
    [Fact]
    public async Task UnboundRpc_ResetWorkflowExecution_AnswersUnimplemented()
    {
        await using var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0 });
        var client = await TemporalClient.ConnectAsync(new(host.TargetHost));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.WorkflowService.ResetWorkflowExecutionAsync(new ResetWorkflowExecutionRequest { Namespace = "default" }));
        Assert.Equal(RpcException.StatusCode.Unimplemented, error.Code);
    }

    [Fact]
    public async Task Retention_ClosedRunOlderThanRetention_PurgedFromStore()
    {
        var directory = Directory.CreateTempSubdirectory("temporal-retention-").FullName;
        try
        {
            var path = Path.Combine(directory, "state.db");
            var workflowId = $"retained-{Guid.NewGuid():N}";
            await using (var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = path }))
            {
                var client = await TemporalClient.ConnectAsync(new(host.TargetHost));
                var started = await client.WorkflowService.StartWorkflowExecutionAsync(new()
                {
                    Namespace = "default", WorkflowId = workflowId, WorkflowType = new() { Name = "W" }, TaskQueue = new() { Name = "q" },
                    RequestId = Guid.NewGuid().ToString(),
                });
                await client.GetWorkflowHandle(workflowId).TerminateAsync();
                Assert.False(string.IsNullOrEmpty(started.RunId));
            }

            await using (var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = path, Retention = TimeSpan.FromTicks(1) }))
            {
                var client = await TemporalClient.ConnectAsync(new(host.TargetHost));
                var error = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    for (var i = 0; i < 100; i++)
                    {
                        await client.GetWorkflowHandle(workflowId).DescribeAsync();
                        await Task.Delay(50);
                    }
                });
                Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
            }

            await using (var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = path }))
            {
                var client = await TemporalClient.ConnectAsync(new(host.TargetHost));
                var error = await Assert.ThrowsAsync<RpcException>(() => client.GetWorkflowHandle(workflowId).DescribeAsync());
                Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_CorruptStoredState_RefusesToStart()
    {
        var directory = Directory.CreateTempSubdirectory("temporal-corrupt-").FullName;
        try
        {
            var path = Path.Combine(directory, "state.db");
            await using (var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = path }))
            {
                var client = await TemporalClient.ConnectAsync(new(host.TargetHost));
                await client.WorkflowService.StartWorkflowExecutionAsync(new()
                {
                    Namespace = "default", WorkflowId = "w", WorkflowType = new() { Name = "W" }, TaskQueue = new() { Name = "q" }, RequestId = "r",
                });
            }

            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE executions SET state = '{not json'";
                Assert.Equal(1, command.ExecuteNonQuery());
            }

            await Assert.ThrowsAsync<InvalidDataException>(() => TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = path }));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ImplementedMethods_AllExistInTheWorkflowServiceDescriptor()
    {
        var service = ServiceReflection.Descriptor.Services.Single(s => s.FullName == WorkflowServiceEndpoint.ServiceName);
        Assert.All(WorkflowServiceEndpoint.ImplementedMethods, name => Assert.NotNull(service.FindMethodByName(name)));
    }

    [Fact]
    public void ServerArguments_DevServerForm_FillsOptions()
    {
        var options = new TemporalServerOptions();
        var error = ServerArguments.TryParse(
            ["--port", "7555", "--namespace", "ns1", "--ip", "127.0.0.1", "--db-filename", "x.db", "--headless", "--log-level", "warn"], options);
        Assert.Null(error);
        Assert.Equal(7555, options.Port);
        Assert.Contains("ns1", options.Namespaces);
        Assert.Equal("x.db", options.DatabasePath);
    }

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--ip", "not-an-ip")]
    [InlineData("--bogus", "1")]
    public void ServerArguments_BadValue_ReturnsError(string flag, string value)
    {
        Assert.NotNull(ServerArguments.TryParse([flag, value], new TemporalServerOptions()));
    }
}
