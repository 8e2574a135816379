using System.CommandLine;
using System.Globalization;
using Platform.Activities;
using Platform.Domain;
using Platform.Mlflow;
using Platform.Worker;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli.Commands;

/// <summary>
/// The model lifecycle from the command line: <c>up</c> runs the platform; <c>train</c>, <c>promote</c>,
/// <c>approve</c>, <c>reject</c>, <c>rollback</c> and <c>status</c> talk to it (TEMPORAL_ADDRESS, MLFLOW_TRACKING_URI,
/// defaults 127.0.0.1:7233 and http://127.0.0.1:5000).
/// </summary>
internal static class LifecycleCommands
{
    public static IEnumerable<Command> Create() => [Up(), Backfill(), Train(), Promote(), Decide("approve", approve: true), Decide("reject", approve: false), Rollback(), Status()];

    internal static Option<string> DataDirectory() => new("--data-dir") { Description = "Where the platform keeps its state (market store, audit log, embedded servers)", DefaultValueFactory = _ => ".platform" };

    private static Option<string> Model() => new("--model") { Description = "Registered model name", DefaultValueFactory = _ => LifecycleDefaults.ModelName };

    private static Command Up()
    {
        var data = DataDirectory();
        var temporalPort = new Option<int>("--temporal-port") { Description = "Port of the embedded Temporal server", DefaultValueFactory = _ => 7233 };
        var mlflowPort = new Option<int>("--mlflow-port") { Description = "Port of the embedded MLflow server", DefaultValueFactory = _ => 5000 };
        var command = new Command("up", "Run the platform: embedded Temporal + MLflow servers (unless TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI are set), the trading store (PLATFORM_POSTGRES, else trading.db in --data-dir) and the lifecycle worker, until Ctrl+C")
        {
            data, temporalPort, mlflowPort,
        };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var options = new PlatformOptions { DataDirectory = parse.GetValue(data)!, EmbeddedTemporalPort = parse.GetValue(temporalPort), EmbeddedMlflowPort = parse.GetValue(mlflowPort) }.WithEnvironment();
            await using var runtime = await PlatformRuntime.StartAsync(options, cancellationToken: cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Temporal: [blue]{runtime.TemporalAddress}[/] ({(runtime.EmbeddedTemporal ? "embedded" : "external, " + runtime.Temporal.Describe())}), namespace {options.TemporalNamespace}, task queue {options.TaskQueue}");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"MLflow:   [blue]{runtime.MlflowUri}[/] ({(runtime.EmbeddedMlflow ? "embedded; web view at /" : "external")})");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Kafka:    [blue]{runtime.Kafka.Connection.BootstrapServers}[/] ({(runtime.Kafka.IsEmbedded ? "embedded, in memory: the market store is the durable record" : "external")}), topics {string.Join(", ", Platform.Kafka.PlatformTopics.All.Select(t => t.Name))}");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Data:     {Path.GetFullPath(options.DataDirectory)}");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading:  {runtime.TradingStore.Description} ({(options.Postgres is null ? "embedded; set PLATFORM_POSTGRES for PostgreSQL" : "PLATFORM_POSTGRES")})");
            var metrics = Platform.Telemetry.TelemetryOptions.FromEnvironment().PrometheusUrl;
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Metrics:  {(metrics is null ? "set PLATFORM_PROMETHEUS_URL (e.g. http://127.0.0.1:9464/) for a Prometheus scrape endpoint; OTLP with OTEL_EXPORTER_OTLP_ENDPOINT" : new Uri(metrics, "metrics").ToString())}");
            AnsiConsole.MarkupLine("Worker running. Press Ctrl+C to stop.");
            try
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, runtime.Stopping);
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("stopping...");
            }

            return 0;
        }));
        return command;
    }

    private static Command Backfill()
    {
        var symbols = new Option<string>("--symbols") { Description = "Comma-separated symbols", DefaultValueFactory = _ => string.Join(',', LifecycleDefaults.Symbols) };
        var from = new Option<string>("--from") { Description = "Start (UTC, inclusive)", DefaultValueFactory = _ => "2022-06-01" };
        var to = new Option<string>("--to") { Description = "End (UTC, exclusive)", DefaultValueFactory = _ => "2023-01-01" };
        var source = new Option<string?>("--source") { Description = "A directory of kline files, or a data.binance.vision base URL; default: the bundled data" };
        var command = new Command("backfill", "Import klines into the platform's market store, month by month (durable, resumable, idempotent)") { symbols, from, to, source };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var request = new BackfillWorkflow.Request(
                [.. parse.GetValue(symbols)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant())],
                "1h",
                CommonOptions.ParseTime(parse.GetValue(from), "--from")!.Value,
                CommonOptions.ParseTime(parse.GetValue(to), "--to")!.Value,
                parse.GetValue(source) is { } dir && !dir.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? Path.GetFullPath(dir) : parse.GetValue(source));
            var client = await ConnectAsync();
            var id = $"backfill-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
            var handle = await TemporalCalls.RetryAsync("start the backfill", () => client.StartWorkflowAsync((BackfillWorkflow w) => w.RunAsync(request), TemporalCalls.StartOptions(id)), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"started [blue]{id}[/]");
            var result = await AnsiConsole.Status().StartAsync("backfilling", _ => TemporalCalls.RetryAsync($"the result of {id}", () => handle.GetResultAsync(), cancellation));
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{result.Chunks} chunks: {result.Inserted} inserted, {result.Updated} updated, {result.Unchanged} unchanged, {result.Rejected} rejected, {result.MissingBars} missing bars");
            foreach (var detail in result.Details.SelectMany(d => d.RejectedDetails).Take(20))
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{detail}[/]");
            }

            return 0;
        }));
        return command;
    }

    private static Command Train()
    {
        var model = Model();
        var trainRange = new Option<string>("--train") { Description = "Training range FROM:TO", DefaultValueFactory = _ => "2022-07-01:2022-10-01" };
        var validateRange = new Option<string>("--validate") { Description = "Validation range FROM:TO", DefaultValueFactory = _ => "2022-10-01:2022-11-01" };
        var kinds = new Option<string>("--kinds") { Description = "Network kinds to train in parallel", DefaultValueFactory = _ => "linear,lstm" };
        var fee = new Option<decimal>("--fee") { Description = "Fee per fill", DefaultValueFactory = _ => 0.001m };
        var seed = CommonOptions.Seed();
        var command = new Command("train", "Train the Linear and LSTM challengers (a durable workflow); the best gets the 'challenger' alias") { model, trainRange, validateRange, kinds, fee, seed };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var (trainFrom, trainTo) = CommonOptions.ParseRange(parse.GetValue(trainRange)!, "--train");
            var (validateFrom, validateTo) = CommonOptions.ParseRange(parse.GetValue(validateRange)!, "--validate");
            var request = new TrainingWorkflow.Request(
                parse.GetValue(model)!, LifecycleDefaults.TradedSymbol, trainFrom, trainTo, validateFrom, validateTo, parse.GetValue(fee),
                [.. parse.GetValue(kinds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], LifecycleDefaults.Hyperparameters(parse.GetValue(seed)));
            var client = await ConnectAsync();
            var id = $"training-{request.ModelName}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
            var handle = await TemporalCalls.RetryAsync("start the training", () => client.StartWorkflowAsync((TrainingWorkflow w) => w.RunAsync(request), TemporalCalls.StartOptions(id)), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"started [blue]{id}[/]");
            var result = await AnsiConsole.Status().StartAsync("training (Ctrl+C leaves it running)", _ => TemporalCalls.RetryAsync($"the result of {id}", () => handle.GetResultAsync(), cancellation));
            foreach (var c in result.Candidates)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{c.Kind}: version {c.Version}, {c.ValidationMetric} {c.ValidationScore:0.###} (best epoch {c.BestEpoch}/{c.Epochs}), run {c.RunId}");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"challenger: [green]{request.ModelName} v{result.ChallengerVersion}[/] ({result.ChallengerKind})");
            return 0;
        }));
        return command;
    }

    private static Command Promote()
    {
        var model = Model();
        var evaluate = new Option<string>("--evaluate") { Description = "Out-of-sample range FROM:TO for champion vs challenger", DefaultValueFactory = _ => "2022-11-01:2023-01-01" };
        var fee = new Option<decimal>("--fee") { Description = "Fee per fill", DefaultValueFactory = _ => 0.001m };
        var timeout = new Option<double>("--approval-timeout-hours") { Description = "Hours to wait for approval before rejecting", DefaultValueFactory = _ => 72 };
        var command = new Command("promote", "Evaluate champion vs challenger and, if the gate passes, wait for 'platform approve' or 'platform reject'") { model, evaluate, fee, timeout };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var (from, to) = CommonOptions.ParseRange(parse.GetValue(evaluate)!, "--evaluate");
            var hours = parse.GetValue(timeout);
            if (hours <= 0)
            {
                throw new InvalidRequestException("--approval-timeout-hours must be positive");
            }

            var name = parse.GetValue(model)!;
            var request = new PromotionWorkflow.Request(name, LifecycleDefaults.TradedSymbol, from, to, parse.GetValue(fee), LifecycleDefaults.Thresholds, TimeSpan.FromHours(hours));
            var client = await ConnectAsync();
            var handle = await TemporalCalls.RetryAsync("start the promotion", () => client.StartWorkflowAsync(
                (PromotionWorkflow w) => w.RunAsync(request),
                new WorkflowOptions(LifecycleDefaults.PromotionWorkflowId(name), TaskQueues.Lifecycle) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail }), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"started [blue]{handle.Id}[/]; evaluating...");
            var stage = await AnsiConsole.Status().StartAsync("evaluating champion vs challenger", async _ =>
            {
                while (true)
                {
                    var s = await TemporalCalls.RetryAsync("the promotion's stage", () => handle.QueryAsync(w => w.CurrentStage), cancellation);
                    if (s != PromotionWorkflow.Stage.Evaluating)
                    {
                        return s;
                    }

                    await Task.Delay(500, cancellation);
                }
            });
            var gate = await TemporalCalls.RetryAsync("the promotion's gate", () => handle.QueryAsync(w => w.Gate), cancellation);
            if (gate is not null)
            {
                PrintGate(gate);
            }

            if (stage == PromotionWorkflow.Stage.AwaitingApproval)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"awaiting approval: ./platform approve --model {name} --version {gate?.Challenger.Version} --by NAME --reason TEXT");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"outcome: {stage}");
            }
            return 0;
        }));
        return command;
    }

    private static Command Decide(string verb, bool approve)
    {
        var model = Model();
        var version = new Option<string>("--version") { Description = "The challenger version under review", Required = true };
        var by = new Option<string>("--by") { Description = "Who decides", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var command = new Command(verb, approve ? "Approve the challenger under review: it becomes champion" : "Reject the challenger under review") { model, version, by, reason };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var client = await ConnectAsync();
            var handle = client.GetWorkflowHandle<PromotionWorkflow, PromotionWorkflow.Result>(LifecycleDefaults.PromotionWorkflowId(parse.GetValue(model)!));
            var decision = new PromotionWorkflow.ApprovalDecision(parse.GetValue(version)!, parse.GetValue(by)!, parse.GetValue(reason)!);
            try
            {
                // One update id for every attempt: a retried update is not applied twice.
                var update = new WorkflowUpdateOptions { Id = $"{verb}-{Guid.NewGuid():N}" };
                var stage = await TemporalCalls.RetryAsync($"send the {verb} decision", () => approve ? handle.ExecuteUpdateAsync(w => w.ApproveAsync(decision), update) : handle.ExecuteUpdateAsync(w => w.RejectAsync(decision), update), cancellation);
                var result = await TemporalCalls.RetryAsync("the promotion's result", () => handle.GetResultAsync(), cancellation);
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{stage}: {result.Reason} (by {result.DecidedBy})");
                return 0;
            }
            catch (WorkflowUpdateFailedException e)
            {
                throw new InvalidRequestException($"{verb} refused: {e.InnerException?.Message ?? e.Message}");
            }
            catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
            {
                throw new InvalidRequestException($"no promotion is running for model {parse.GetValue(model)} (start one with ./platform promote)");
            }
        }));
        return command;
    }

    private static Command Rollback()
    {
        var model = Model();
        var by = new Option<string>("--by") { Description = "Who rolls back", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var symbol = new Option<string>("--symbol") { Description = "The traded symbol whose live decisions switch back at once", DefaultValueFactory = _ => "BTCUSDT" };
        var command = new Command("rollback", "Make the previous champion the champion again") { model, by, reason, symbol };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var client = await ConnectAsync();
            var request = new RollbackWorkflow.Request(parse.GetValue(model)!, parse.GetValue(by)!, parse.GetValue(reason)!, parse.GetValue(symbol)!.ToUpperInvariant());
            try
            {
                var id = $"rollback-{request.ModelName}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
                var handle = await TemporalCalls.RetryAsync("start the rollback", () => client.StartWorkflowAsync((RollbackWorkflow w) => w.RunAsync(request), TemporalCalls.StartOptions(id)), cancellation);
                var result = await TemporalCalls.RetryAsync($"the result of {id}", () => handle.GetResultAsync(), cancellation);
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"champion is v{result.RestoredVersion} again (was v{result.ReplacedVersion})");
                return 0;
            }
            catch (WorkflowFailedException e) when (e.InnerException is ApplicationFailureException failure)
            {
                throw new InvalidRequestException(failure.Message);
            }
        }));
        return command;
    }

    private static Command Status()
    {
        var model = Model();
        var data = DataDirectory();
        var command = new Command("status", "Models, aliases, recent workflows and the audit log at a glance") { model, data };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var name = parse.GetValue(model)!;
            using var mlflow = MlflowClient.Create(MlflowOptions());
            await StatusReport.PrintAsync(mlflow, await ConnectAsync(), name, new PlatformDataOptions { Directory = parse.GetValue(data)! }, cancellation);
            return 0;
        }));
        return command;
    }

    internal static void PrintGate(GateResult gate)
    {
        var table = new Table().Title("promotion gate").AddColumns("check", "value", "threshold", "passed");
        foreach (var c in gate.Decision.Checks)
        {
            table.AddRow(c.Name, c.Value.ToString("0.####", CultureInfo.InvariantCulture), c.Threshold?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a", c.Passed ? "[green]yes[/]" : "[red]no[/]");
        }

        AnsiConsole.Write(table);
    }

    /// <summary>MLflow as `platform up` is configured: MLFLOW_TRACKING_URI and its credentials, else the local default.</summary>
    internal static MlflowClientOptions MlflowOptions() => MlflowClientOptions.FromEnvironment();

    internal static Task<TemporalClient> ConnectAsync() => TemporalCalls.ConnectAsync();
}
