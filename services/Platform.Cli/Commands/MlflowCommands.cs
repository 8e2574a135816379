using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Platform.Mlflow;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server;

namespace Platform.Cli.Commands;

/// <summary><c>platform mlflow server</c>: runs the local MLflow-compatible tracking and registry server.</summary>
internal static class MlflowCommands
{
    internal static Command Create() => Create(Console.Error);

    /// <summary>The command tree, writing user errors to <paramref name="error"/> (tests pass their own writer).</summary>
    internal static Command Create(TextWriter error)
    {
        var mlflow = new Command("mlflow", "MLflow tracking and model registry.");
        mlflow.Subcommands.Add(CreateServer(error));
        mlflow.Subcommands.Add(CreateBenchmark(error));
        return mlflow;
    }

    private static Command CreateServer(TextWriter error)
    {
        var host = new Option<string>("--host") { Description = "Address to listen on (an IP address or localhost).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 5000 };
        var store = new Option<string>("--store") { Description = "Folder for mlflow.db (SQLite) and artifacts/.", DefaultValueFactory = _ => Path.Combine(".platform", "mlflow") };
        var appName = new Option<string?>("--app-name") { Description = "'basic-auth': HTTP basic auth as MLflow's basic-auth app (admin from MLFLOW_AUTH_CONFIG_PATH's basic_auth.ini or MLFLOW_AUTH_ADMIN_USERNAME/PASSWORD)." };
        var insecure = new Option<bool>("--insecure") { Description = "Allow a non-loopback --host without authentication." };
        var maxArtifact = new Option<long>("--max-artifact-size-mb") { Description = "Largest artifact upload (MiB); larger ones get 413.", DefaultValueFactory = _ => 2048 };
        var server = new Command("server", "Run an MLflow-compatible server (REST API, artifact proxy, registry, read-only web view) until Ctrl+C.")
        {
            host,
            port,
            store,
            appName,
            insecure,
            maxArtifact,
        };
        server.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new MlflowServerOptions
            {
                Host = parseResult.GetValue(host)!,
                Port = parseResult.GetValue(port),
                StoreDirectory = parseResult.GetValue(store)!,
                LogToConsole = true,
                Insecure = parseResult.GetValue(insecure),
                MaxArtifactBytes = parseResult.GetValue(maxArtifact) is var megabytes and > 0 and < long.MaxValue / (1024 * 1024) ? megabytes * 1024 * 1024 : -1,
            };
            try
            {
                options.BasicAuth = parseResult.GetValue(appName) switch
                {
                    null => null,
                    "basic-auth" => Platform.Mlflow.Server.Security.BasicAuthOptions.FromEnvironment(),
                    var other => throw new ArgumentException($"--app-name '{other}' is not supported (only 'basic-auth')."),
                };
                options.Validate();
                await using var running = await MlflowLocalServer.StartAsync(options, cancellationToken);
                // Plain lines: the address must stay copyable when the output is not a terminal.
                Console.WriteLine($"MLflow-compatible server on {running.BaseAddress} (store {Path.GetFullPath(options.StoreDirectory)}; {(options.BasicAuth is null ? "no authentication" : "basic auth, admin " + options.BasicAuth.AdminUsername)}); web view at {running.BaseAddress}");
                Console.WriteLine($"export MLFLOW_TRACKING_URI={running.BaseAddress.AbsoluteUri.TrimEnd('/')}   # Ctrl+C stops the server");
                await running.WaitForShutdownAsync(cancellationToken);
                return 0;
            }
            catch (ArgumentException ex)
            {
                return Fail(error, ex.Message);
            }
            catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                return Fail(error, $"cannot listen on {options.Host}:{options.Port}: {ex.Message}");
            }
            catch (UnauthorizedAccessException ex)
            {
                return Fail(error, $"cannot use store '{options.StoreDirectory}': {ex.Message}");
            }
            catch (InvalidOperationException ex)
            {
                return Fail(error, ex.Message);
            }
        });
        return server;
    }

    private static Command CreateBenchmark(TextWriter error)
    {
        var metrics = new Option<int>("--metrics") { Description = "Metric points to log with log-batch.", DefaultValueFactory = _ => 20_000 };
        var calls = new Option<int>("--calls") { Description = "Single log-metric calls to time.", DefaultValueFactory = _ => 500 };
        var artifactMegabytes = new Option<int>("--artifact-mb") { Description = "Size of the artifact to upload and download, in MB.", DefaultValueFactory = _ => 32 };
        var bench = new Command("bench", "Measure the local server through the client (temporary store, free port) and print throughput numbers.")
        {
            metrics,
            calls,
            artifactMegabytes,
        };
        bench.SetAction(async (parseResult, cancellationToken) =>
        {
            var metricCount = parseResult.GetValue(metrics);
            var callCount = parseResult.GetValue(calls);
            var megabytes = parseResult.GetValue(artifactMegabytes);
            if (metricCount < 1 || callCount < 1 || megabytes is < 1 or > 1024)
            {
                return Fail(error, "--metrics and --calls must be positive and --artifact-mb between 1 and 1024.");
            }

            var store = Path.Combine(Path.GetTempPath(), $"platform-mlflow-bench-{Guid.NewGuid():N}");
            try
            {
                await using var server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = store }, cancellationToken);
                using var client = MlflowClient.Create(new MlflowClientOptions { TrackingUri = server.BaseAddress });
                var experiment = await client.GetOrCreateExperimentAsync("bench", cancellationToken);
                var run = await client.CreateRunAsync(experiment.ExperimentId, "bench", cancellationToken: cancellationToken);

                var watch = Stopwatch.StartNew();
                for (var i = 0; i < callCount; i++)
                {
                    await client.LogMetricAsync(run.Info.RunId, "single", i, i, cancellationToken: cancellationToken);
                }

                Report("log-metric (one point per call)", callCount, "calls", watch.Elapsed);

                var points = Enumerable.Range(0, metricCount).Select(i => new Metric("reward", i * 0.001, 1_700_000_000_000 + i, i)).ToList();
                watch.Restart();
                var requests = await client.LogBatchAsync(run.Info.RunId, points, cancellationToken: cancellationToken);
                Report($"log-batch ({requests} requests)", metricCount, "points", watch.Elapsed);

                watch.Restart();
                var history = await client.GetMetricHistoryAsync(run.Info.RunId, "reward", cancellationToken);
                Report("get-history", history.Count, "points", watch.Elapsed);

                watch.Restart();
                for (var i = 0; i < 100; i++)
                {
                    await client.CreateRunAsync(experiment.ExperimentId, $"r{i}", cancellationToken: cancellationToken);
                }

                Report("runs/create", 100, "runs", watch.Elapsed);
                watch.Restart();
                var found = await client.SearchRunsAsync([experiment.ExperimentId], "attributes.status = 'RUNNING'", cancellationToken: cancellationToken);
                Report("runs/search (101 runs)", found.Runs.Count, "runs", watch.Elapsed);

                var blob = new byte[megabytes * 1024 * 1024];
                Random.Shared.NextBytes(blob);
                watch.Restart();
                await client.UploadArtifactBytesAsync(run.Info.ArtifactUri, "bench/blob.bin", blob, cancellationToken);
                Report("artifact upload", megabytes, "MB", watch.Elapsed);
                watch.Restart();
                var downloaded = await client.DownloadArtifactBytesAsync(run.Info.ArtifactUri, "bench/blob.bin", cancellationToken);
                Report("artifact download", megabytes, "MB", watch.Elapsed);
                return downloaded.AsSpan().SequenceEqual(blob) ? 0 : Fail(error, "the downloaded artifact differs from the upload.");
            }
            finally
            {
                if (Directory.Exists(store))
                {
                    Directory.Delete(store, recursive: true);
                }
            }
        });
        return bench;
    }

    private static void Report(string what, int count, string unit, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-34} {count,8} {unit,-6} in {elapsed.TotalMilliseconds,9:0.0} ms = {count / elapsed.TotalSeconds,10:0.0} {unit}/s"));

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"platform mlflow: {message}");
        return 1;
    }
}
