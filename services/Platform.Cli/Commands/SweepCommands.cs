using Platform.Domain;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Worker;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform sweep`: a durable <see cref="SweepWorkflow"/> on the platform runtime (embedded Temporal + MLflow in the
/// state directory, or TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI); writes leaderboard.csv and models/best.dqn and
/// registers the best as challenger. The same command with the same --out resumes an interrupted sweep.
/// </summary>
internal static class SweepCommands
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var interval = CommonOptions.Interval();
        var symbol = CommonOptions.Symbol();
        var plan = new EvaluateCommands.PlanOptionSet();
        var trials = new Option<int>("--trials") { Description = "Trials drawn from the search space", DefaultValueFactory = _ => 16 };
        var budget = new Option<double?>("--budget-minutes") { Description = "Start no new trial after this many minutes (finished trials are kept)" };
        var fee = new Option<decimal>("--fee") { Description = "Fee of training, selection and the test folds that score trials", DefaultValueFactory = _ => 0.001m };
        var rungs = new Option<int>("--rungs") { Description = "Successive-halving rungs (the last covers every fold)", DefaultValueFactory = _ => 3 };
        var eta = new Option<int>("--eta") { Description = "Keep the best 1/eta of the trials at each rung", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Trials running at once (across all workers on the task queue)", DefaultValueFactory = _ => 2 };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Most epochs per fold of every trial", DefaultValueFactory = _ => SweepSearchSpace.Default.MaxEpochs };
        var model = new Option<string>("--model") { Description = "Registered model the best becomes challenger of", DefaultValueFactory = _ => LifecycleDefaults.ModelName };
        var experiment = new Option<string>("--experiment") { Description = "MLflow experiment of the sweep's runs", DefaultValueFactory = _ => "platform-sweep" };
        var stateDirectory = new Option<string?>("--data-dir") { Description = "Platform state (embedded Temporal and MLflow); default: <out>/platform" };
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("out/sweep");
        var command = new Command("sweep", "Hyperparameter sweep scored by walk-forward test folds (successive halving), as a durable workflow; writes leaderboard.csv and models/best.dqn, registers the best as challenger")
        {
            data, interval, symbol, trials, budget, fee, rungs, eta, concurrency, maxEpochs, model, experiment, stateDirectory, seed, output,
        };
        plan.AddTo(command);
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            var dataDirectory = Path.GetFullPath(parse.GetValue(data) ?? Platform.MarketData.MarketDataLoader.BundledDirectory);
            if (!Directory.Exists(dataDirectory))
            {
                throw new DirectoryNotFoundException($"--data: directory '{dataDirectory}' does not exist");
            }

            if (parse.GetValue(budget) is <= 0)
            {
                throw new InvalidRequestException("--budget-minutes must be positive");
            }

            var request = new SweepWorkflow.Request(
                new SweepTarget(dataDirectory, parse.GetValue(interval)!, parse.GetValue(symbol)!.ToUpperInvariant(), parse.GetValue(fee), directory, parse.GetValue(experiment)!, parse.GetValue(model)!),
                plan.Read(parse),
                parse.GetValue(trials),
                parse.GetValue(seed),
                SweepSearchSpace.Default with { MaxEpochs = parse.GetValue(maxEpochs) },
                parse.GetValue(rungs),
                parse.GetValue(eta),
                parse.GetValue(concurrency),
                parse.GetValue(budget));
            if (request.Trials < 1 || request.Rungs < 1 || request.Eta < 2 || request.MaxConcurrentTrials < 1 || request.Space!.MaxEpochs < 1)
            {
                throw new InvalidRequestException("--trials, --rungs, --concurrency and --max-epochs must be at least 1 and --eta at least 2");
            }

            var options = new PlatformOptions { DataDirectory = parse.GetValue(stateDirectory) ?? Path.Combine(directory, "platform"), EmbeddedTemporalPort = 0, EmbeddedMlflowPort = 0 }.WithEnvironment();
            await using var runtime = await PlatformRuntime.StartAsync(options, cancellationToken: cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Temporal [blue]{runtime.TemporalAddress}[/], MLflow [blue]{runtime.MlflowUri}[/], state in {options.DataDirectory}");
            var started = DateTimeOffset.UtcNow;
            var result = await RunAsync(runtime.Client, runtime.Options.TaskQueue, request, cancellation);
            var elapsed = DateTimeOffset.UtcNow - started;
            Print(result, elapsed);
            return 0;
        }));
        return command;
    }

    /// <summary>Starts the sweep (its id is a hash of the request, so the same request resumes a running sweep) and waits for it.</summary>
    public static async Task<SweepWorkflow.Result> RunAsync(TemporalClient client, string taskQueue, SweepWorkflow.Request request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(client);
        var id = "sweep-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request))))[..16];
        WorkflowHandle<SweepWorkflow, SweepWorkflow.Result> handle;
        try
        {
            handle = await client.StartWorkflowAsync((SweepWorkflow w) => w.RunAsync(request), new WorkflowOptions(id, taskQueue) { IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicateFailedOnly });
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"started sweep [blue]{id}[/]");
        }
        catch (WorkflowAlreadyStartedException)
        {
            handle = client.GetWorkflowHandle<SweepWorkflow, SweepWorkflow.Result>(id);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"resuming sweep [blue]{id}[/] (finished trials are not rerun)");
        }

        return await AnsiConsole.Status().StartAsync($"sweep {id}: {request.Trials} trials", async status =>
        {
            var done = handle.GetResultAsync();
            while (!done.IsCompleted)
            {
                await Task.WhenAny(done, Task.Delay(2000, cancellation));
                try
                {
                    var progress = await handle.QueryAsync(w => w.CurrentProgress);
                    status.Status($"sweep {id}: rung {progress.Rung}, {progress.Finished}/{progress.Trials} trials decided");
                }
                catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or InvalidOperationException)
                {
                    // Not yet running, or closed between the checks: the next round or the result says.
                }
            }

            return await done;
        });
    }

    private static void Print(SweepWorkflow.Result result, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var c = result.Conclusion;
        var table = new Table().AddColumns("trial", "status", "folds", "median test Sharpe", "kind", "hidden", "window", "lr", "γ", "reward", "action cost %", "double", "dueling", "seed");
        foreach (var t in result.Trials.OrderByDescending(t => t.Folds.Count).ThenByDescending(t => double.IsNaN(t.Score) ? double.NegativeInfinity : t.Score).Take(10))
        {
            var p = t.Parameters;
            table.AddRow(
                t.Index.ToString(inv), Markup.Escape(t.Status), t.Folds.Count.ToString(inv), t.Score.ToString("0.00", inv), p.Kind, p.HiddenSize.ToString(inv), p.WindowLength.ToString(inv),
                p.LearningRate.ToString(inv), p.Gamma.ToString(inv), p.Reward, p.ActionCostPct.ToString(inv), p.DoubleDqn ? "yes" : "no", p.Dueling ? "yes" : "no", p.Seed.ToString(inv));
        }

        AnsiConsole.Write(table);
        var evaluated = result.Trials.Count(t => t.Folds.Count > 0);
        AnsiConsole.MarkupLineInterpolated(inv, $"best trial {c.BestTrial} (median test Sharpe {c.BestScore:0.00}); PBO {c.ProbabilityOfOverfitting:0.00}, deflated Sharpe probability {c.DeflatedSharpeProbability:0.00} over {evaluated} trials");
        AnsiConsole.MarkupLineInterpolated(inv, $"{evaluated} trials in {elapsed.TotalMinutes:0.0} min ({evaluated / Math.Max(elapsed.TotalHours, 1e-9):0} trials/hour, {result.Trials.Sum(t => t.Folds.Count)} trial folds)");
        AnsiConsole.MarkupLineInterpolated(inv, $"leaderboard: [blue]{c.LeaderboardPath}[/]; model: [blue]{c.BestModelPath}[/]{(c.RegisteredVersion is { } v ? $"; registered version {v} as challenger" : "")}");
    }
}
