using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Domain.Models;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli.Commands;

/// <summary>`platform live ...`: the durable live decisions (LiveDecisionWorkflow) of a model alias on a symbol, on a running platform.</summary>
internal static class LiveCommands
{
    public static Command Create()
    {
        var live = new Command("live", "Live decisions of a model alias on a symbol (feature service → decision service on Kafka), as a durable Temporal workflow (talks to `platform up`)");
        live.Subcommands.Add(Start());
        live.Subcommands.Add(Status());
        live.Subcommands.Add(Stop());
        return live;
    }

    private static Option<string> Model() => new("--model") { Description = "The registry alias the decisions come from", DefaultValueFactory = _ => $"models:/{LifecycleDefaults.ModelName}@{ModelAliases.Champion}" };

    private static Option<string> Symbol() => new("--symbol") { Description = "The traded symbol", DefaultValueFactory = _ => "BTCUSDT" };

    /// <summary>The workflow id of a model reference and symbol (an alias reference; a version or file counts as its own alias).</summary>
    private static string WorkflowId(string model, string symbol)
    {
        var reference = ModelReference.Parse(model);
        return LiveDecisionWorkflow.IdFor(reference.Name ?? Path.GetFileNameWithoutExtension(reference.Path!), reference.Alias ?? reference.Version ?? "file", symbol);
    }

    private static Command Start()
    {
        var model = Model();
        var symbol = Symbol();
        var tradeFrom = new Option<string?>("--trade-from") { Description = "First bar to decide (UTC); the rows before it only warm the model's window (default: every row)" };
        var heartbeat = new Option<int>("--heartbeat-timeout") { Description = "Seconds without a heartbeat before another worker takes over", DefaultValueFactory = _ => 30 };
        var command = new Command("start", "Start live decisions (one workflow per model alias and symbol)") { model, symbol, tradeFrom, heartbeat };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var traded = parse.GetValue(symbol)!.ToUpperInvariant();
            var request = new LiveDecisionWorkflow.Request(parse.GetValue(model)!, traded, CommonOptions.ParseTime(parse.GetValue(tradeFrom), "--trade-from"), parse.GetValue(heartbeat));
            var id = WorkflowId(request.Model, traded);
            var client = await LifecycleCommands.ConnectAsync();
            try
            {
                await client.StartWorkflowAsync((LiveDecisionWorkflow wf) => wf.RunAsync(request), new WorkflowOptions(id, TaskQueues.Lifecycle) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.Fail });
            }
            catch (WorkflowAlreadyStartedException)
            {
                throw new InvalidRequestException($"live decisions {id} are already running; stop them first");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Live decisions [blue]{id}[/] started: {request.Model} on {traded} → Kafka decisions.");
            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var model = Model();
        var symbol = Symbol();
        var command = new Command("status", "Last row and decision, model version, swaps and lag of live decisions") { model, symbol };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = await HandleAsync(parse.GetValue(model)!, parse.GetValue(symbol)!);
            var status = await QueryAsync(handle);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Live decisions [blue]{handle.Id}[/]: {status.Model} on {status.Symbol}{(status.Stopping ? " (stopping)" : string.Empty)}, requested version {status.RequestedVersion ?? "-"}, restarts {status.Restarts}");
            foreach (var swap in status.Swaps)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"swap to v{swap.Version} by {swap.By}: {swap.Reason}");
            }

            if (status.Report is not { } report)
            {
                AnsiConsole.MarkupLine("No status reported yet (the decision activity is starting).");
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"model v{report.ModelVersion}  last row: {report.LastRow:u}  last decision: {report.LastDecisionId ?? "-"} ({report.LastAction ?? "-"})  decisions: {report.Decisions:N0}  swaps: {report.Swaps}  lag: {(report.LagSeconds is { } lag ? TimeSpan.FromSeconds(lag).ToString("c", CultureInfo.InvariantCulture) : "-")}  reported: {report.ReportedAt:u}");
            return 0;
        }));
        return command;
    }

    private static Command Stop()
    {
        var model = Model();
        var symbol = Symbol();
        var command = new Command("stop", "Stop live decisions (what they committed to Kafka stays)") { model, symbol };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = await HandleAsync(parse.GetValue(model)!, parse.GetValue(symbol)!);
            await QueryAsync(handle);
            await handle.SignalAsync(wf => wf.StopAsync("stopped by platform live stop"));
            var result = await handle.GetResultAsync<LiveDecisionWorkflow.Result>();
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Live decisions {handle.Id} stopped ({result.StoppedBecause}) after {result.Swaps} swap(s) in this run.");
            return 0;
        }));
        return command;
    }

    private static async Task<WorkflowHandle<LiveDecisionWorkflow>> HandleAsync(string model, string symbol) =>
        (await LifecycleCommands.ConnectAsync()).GetWorkflowHandle<LiveDecisionWorkflow>(WorkflowId(model, symbol.ToUpperInvariant()));

    private static async Task<LiveDecisionWorkflow.LiveStatus> QueryAsync(WorkflowHandle<LiveDecisionWorkflow> handle)
    {
        try
        {
            return await handle.QueryAsync(wf => wf.Status);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            throw new InvalidRequestException($"no live decisions {handle.Id} are running; start them with ./platform live start", e);
        }
    }
}
