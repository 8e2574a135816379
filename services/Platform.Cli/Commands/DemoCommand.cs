using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Activities;
using Platform.Domain.Promotion;
using Platform.Reporting;
using Platform.Workflows;
using Platform.Worker;
using Spectre.Console;
using Temporalio.Client;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform demo`: the whole lifecycle on embedded defaults and the bundled data, as one durable retraining workflow:
/// backfill (five symbols) → train Linear and LSTM in parallel (MLflow runs, registered versions) → champion vs
/// challenger gate → approval by a recorded demo approver → champion alias, audit log, report.
/// </summary>
internal static class DemoCommand
{
    public const string DemoApprover = "demo-approver";

    /// <summary>Thresholds of the demo (printed in its report): a first model on a two-month bear-market window.</summary>
    public static PromotionThresholds DemoThresholds { get; } = new() { MinSharpeImprovement = 0, MaxDrawdownPct = 50, MinTrades = 2, MinDeflatedSharpeProbability = 0 };

    public static Command Create()
    {
        var data = new Option<string?>("--data-dir") { Description = "State directory (default: a new .platform/demo-<time> folder, so every demo starts clean)" };
        var output = CommonOptions.Out("out/demo");
        var seed = CommonOptions.Seed();
        var command = new Command("demo", "Run the whole model lifecycle on embedded Temporal + MLflow and the bundled data, and report") { data, output, seed };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var directory = parse.GetValue(data) ?? Path.Combine(".platform", $"demo-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}");
            var report = await RunAsync(directory, CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out"), parse.GetValue(seed), cancellation);
            return report.Promotion.Outcome == PromotionWorkflow.Stage.Promoted ? 0 : 5;
        }));
        return command;
    }

    public static async Task<RetrainingWorkflow.Result> RunAsync(string dataDirectory, string outputDirectory, int seed, CancellationToken cancellation)
    {
        var stopwatch = Stopwatch.StartNew();
        var options = new PlatformOptions { DataDirectory = dataDirectory, EmbeddedTemporalPort = 0, EmbeddedMlflowPort = 0 }.WithEnvironment();
        await using var runtime = await PlatformRuntime.StartAsync(options, cancellationToken: cancellation);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Temporal [blue]{runtime.TemporalAddress}[/], MLflow [blue]{runtime.MlflowUri}[/], state in {dataDirectory}");
        var request = LifecycleDefaults.Retraining(LifecycleDefaults.ModelName, seed, DemoThresholds, TimeSpan.FromHours(1), LifecycleDefaults.BundledEnd, DemoApprover);
        var id = $"{LifecycleDefaults.RetrainingWorkflowId(request.ModelName)}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
        var handle = await TemporalCalls.RetryAsync("start the retraining", () => runtime.Client.StartWorkflowAsync((RetrainingWorkflow w) => w.RunAsync(request), TemporalCalls.StartOptions(id, runtime.Options.TaskQueue)), cancellation);
        var timings = new Dictionary<string, TimeSpan>();
        var result = await CliProgress.RunAsync(
            async ctx =>
            {
                var stages = new[] { ("backfill", "backfill 5 symbols, Jul–Dec 2022"), ("training", "train Linear + LSTM (MLflow runs)"), ("promotion", "champion vs challenger, approval") };
                var tasks = stages.ToDictionary(s => s.Item1, s => ctx.AddTask(s.Item2, autoStart: false, maxValue: 1));
                var resultTask = TemporalCalls.RetryAsync($"the result of {id}", () => handle.GetResultAsync(), cancellation);
                while (!resultTask.IsCompleted)
                {
                    foreach (var (stage, _) in stages)
                    {
                        await TrackAsync(runtime.Client, $"{id}/{stage}", tasks[stage], timings, stage);
                    }

                    await Task.WhenAny(resultTask, Task.Delay(500, cancellation));
                }

                foreach (var (stage, _) in stages)
                {
                    await TrackAsync(runtime.Client, $"{id}/{stage}", tasks[stage], timings, stage);
                }

                return await resultTask;
            },
            autoClear: false,
            new SpinnerColumn(), new TaskDescriptionColumn(), new ElapsedTimeColumn());
        stopwatch.Stop();
        await WriteReportAsync(runtime, request, id, result, timings, stopwatch.Elapsed, dataDirectory, outputDirectory, cancellation);
        return result;
    }

    private static async Task TrackAsync(TemporalClient client, string workflowId, ProgressTask task, Dictionary<string, TimeSpan> timings, string stage)
    {
        if (task.IsFinished)
        {
            return;
        }

        try
        {
            var description = await TemporalCalls.RetryAsync($"the progress of {workflowId}", () => client.GetWorkflowHandle(workflowId).DescribeAsync(), CancellationToken.None);
            if (!task.IsStarted)
            {
                task.StartTask();
            }

            if (description.CloseTime is { } closed)
            {
                timings[stage] = closed - description.StartTime;
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
        catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
        {
            // Not started yet.
        }
    }

    private static async Task WriteReportAsync(PlatformRuntime runtime, RetrainingWorkflow.Request request, string workflowId, RetrainingWorkflow.Result result, Dictionary<string, TimeSpan> timings, TimeSpan total, string dataDirectory, string outputDirectory, CancellationToken cancellation)
    {
        Directory.CreateDirectory(outputDirectory);
        var b = result.Backfill;
        var t = result.Training;
        var p = result.Promotion;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"backfill: {b.Chunks} chunks, {b.Inserted} inserted, {b.Updated} updated, {b.Unchanged} unchanged, {b.Rejected} rejected, {b.MissingBars} missing bars");
        foreach (var c in t.Candidates)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"trained {c.Kind}: version {c.Version}, validation {c.ValidationMetric} {c.ValidationScore:0.###}, best epoch {c.BestEpoch}/{c.Epochs}, MLflow run {c.RunId}");
        }

        if (p.Gate is { } gate)
        {
            LifecycleCommands.PrintGate(gate);
        }

        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"promotion: [bold]{p.Outcome}[/] v{p.ChallengerVersion} by {p.DecidedBy}: {p.Reason}");
        using var mlflow = runtime.CreateMlflowClient();
        await StatusReport.PrintAsync(mlflow, null, request.ModelName, new PlatformDataOptions { Directory = dataDirectory }, cancellation);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"total {total.TotalSeconds:0.0} s ({string.Join(", ", timings.Select(x => $"{x.Key} {x.Value.TotalSeconds:0.0} s"))})");

        var json = new
        {
            workflow_id = workflowId,
            model = request.ModelName,
            seconds = Math.Round(total.TotalSeconds, 1),
            stage_seconds = timings.ToDictionary(x => x.Key, x => Math.Round(x.Value.TotalSeconds, 1)),
            thresholds = request.Thresholds,
            result,
        };
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "demo.json"), JsonSerializer.Serialize(json, BacktestReport.JsonOptions) + "\n", cancellation);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Platform demo: {request.ModelName}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Workflow `{workflowId}` as of {LifecycleDefaults.BundledEnd:yyyy-MM-dd}, {total.TotalSeconds:0.0} s in all.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Backfill: {b.Chunks} month chunks, {b.Inserted} klines inserted ({b.Unchanged} unchanged, {b.Rejected} rejected, {b.MissingBars} missing bars).");
        foreach (var c in t.Candidates)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- Trained {c.Kind}: model version {c.Version}, validation {c.ValidationMetric} {c.ValidationScore:0.###} (epoch {c.BestEpoch} of {c.Epochs}), MLflow run `{c.RunId}`.");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- Challenger: version {t.ChallengerVersion} ({t.ChallengerKind}).");
        if (p.Gate is { } g)
        {
            md.AppendLine();
            md.AppendLine("| gate check | value | threshold | passed |");
            md.AppendLine("|---|---|---|---|");
            foreach (var c in g.Decision.Checks)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {c.Value:0.####} | {c.Threshold?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a"} | {(c.Passed ? "yes" : "no")} |");
            }

            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- Promotion: **{p.Outcome}**, decided by {p.DecidedBy}: {p.Reason}.");
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "demo.md"), md.ToString(), cancellation);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"report: [blue]{Path.Combine(outputDirectory, "demo.md")}[/]");
    }
}
