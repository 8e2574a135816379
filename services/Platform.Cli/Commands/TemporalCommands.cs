using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.TemporalServer.Benchmarking;
using Platform.TemporalServer.Hosting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform temporal ...`: the embedded Temporal-compatible server and its benchmark.</summary>
internal static class TemporalCommands
{
    internal static Command Create()
    {
        var temporal = new Command("temporal", "Embedded Temporal-compatible server (what `temporal server start-dev` is elsewhere)");
        temporal.Subcommands.Add(StartDev());
        temporal.Subcommands.Add(Bench());
        temporal.Subcommands.Add(Workflows());
        temporal.Subcommands.Add(History());
        return temporal;
    }

    /// <summary>Like every other command: the option, else TEMPORAL_ADDRESS, else the local default.</summary>
    private static Option<string> AddressOption() => new("--address")
    {
        Description = "Server host:port [default: $TEMPORAL_ADDRESS, else 127.0.0.1:7233]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS") is { Length: > 0 } a ? a : "127.0.0.1:7233",
    };

    private static Option<string> NamespaceOption() => new("--namespace")
    {
        Description = "Namespace [default: $TEMPORAL_NAMESPACE, else default]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TEMPORAL_NAMESPACE") is { Length: > 0 } n ? n : "default",
    };

    /// <summary>Read-only view of a server's workflows (the Temporal UI is not available here).</summary>
    private static Command Workflows()
    {
        var address = AddressOption();
        var ns = NamespaceOption();
        var query = new Option<string?>("--query") { Description = "Visibility query, e.g. \"ExecutionStatus = 'Running'\"" };
        var limit = new Option<int>("--limit") { Description = "Most recent workflows to show", DefaultValueFactory = _ => 50 };
        var command = new Command("workflows", "List workflows on a Temporal server (newest first)") { address, ns, query, limit };
        command.SetAction(async (parse, cancellationToken) => await WithClientAsync(parse.GetValue(address)!, parse.GetValue(ns)!, async client =>
        {
            var max = parse.GetValue(limit);
            if (max < 1)
            {
                return Fail("--limit must be at least 1.");
            }

            var table = new Table().AddColumns("Workflow ID", "Run ID", "Type", "Status", "Started (UTC)", "Closed (UTC)");
            await foreach (var execution in client.ListWorkflowsAsync(parse.GetValue(query) ?? string.Empty, new() { Limit = max }).WithCancellation(cancellationToken))
            {
                table.AddRow(Markup(execution.Id), Markup(execution.RunId), Markup(execution.WorkflowType), execution.Status.ToString(),
                    execution.StartTime.ToString("u", CultureInfo.InvariantCulture), execution.CloseTime?.ToString("u", CultureInfo.InvariantCulture) ?? "-");
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    /// <summary>One workflow's event history, one line per event.</summary>
    private static Command History()
    {
        var address = AddressOption();
        var ns = NamespaceOption();
        var workflowId = new Option<string>("--workflow-id") { Description = "Workflow ID", Required = true };
        var runId = new Option<string?>("--run-id") { Description = "Run ID (latest run when omitted)" };
        var command = new Command("history", "Show a workflow's event history") { address, ns, workflowId, runId };
        command.SetAction(async (parse, cancellationToken) => await WithClientAsync(parse.GetValue(address)!, parse.GetValue(ns)!, async client =>
        {
            var history = await client.GetWorkflowHandle(parse.GetValue(workflowId)!, parse.GetValue(runId)).FetchHistoryAsync(new() { Rpc = new() { CancellationToken = cancellationToken } });
            var table = new Table().AddColumns("ID", "Time (UTC)", "Event");
            foreach (var historyEvent in history.Events)
            {
                table.AddRow(historyEvent.EventId.ToString(CultureInfo.InvariantCulture),
                    historyEvent.EventTime.ToDateTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), historyEvent.EventType.ToString());
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static string Markup(string text) => Spectre.Console.Markup.Escape(text);

    private static async Task<int> WithClientAsync(string address, string ns, Func<Temporalio.Client.TemporalClient, Task<int>> action)
    {
        Temporalio.Client.TemporalClient client;
        try
        {
            client = await Temporalio.Client.TemporalClient.ConnectAsync(new(address) { Namespace = ns });
        }
        catch (Exception ex) when (ex is InvalidOperationException or Temporalio.Exceptions.TemporalException)
        {
            return Fail($"cannot connect to a Temporal server at {address}: {ex.Message}");
        }

        try
        {
            return await action(client);
        }
        catch (Temporalio.Exceptions.RpcException ex)
        {
            return Fail($"{ex.Code}: {ex.Message}");
        }
    }

    private static Command StartDev()
    {
        var port = new Option<int>("--port") { Description = "gRPC port", DefaultValueFactory = _ => 7233 };
        var ip = new Option<string>("--ip") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var ns = new Option<string[]>("--namespace") { Description = "Extra namespace(s); 'default' always exists", AllowMultipleArgumentsPerToken = true };
        var db = new Option<string?>("--db-filename") { Description = "SQLite file for durable state (in memory when omitted)" };
        var tlsCert = new Option<string?>("--tls-cert-path") { Description = "PEM server certificate: serve TLS" };
        var tlsKey = new Option<string?>("--tls-key-path") { Description = "PEM private key of the server certificate" };
        var clientCa = new Option<string?>("--tls-client-ca-path") { Description = "PEM CA: require client certificates it issued (mTLS)" };
        var apiKeys = new Option<string?>("--api-key-file") { Description = "File of accepted API keys, one per line (clients send 'authorization: Bearer KEY'; needs TLS)" };
        var insecure = new Option<bool>("--insecure") { Description = "Allow a non-loopback --ip without authentication" };
        var command = new Command("start-dev", "Run the server until Ctrl+C or SIGTERM") { port, ip, ns, db, tlsCert, tlsKey, clientCa, apiKeys, insecure };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new TemporalServerOptions
            {
                Port = parse.GetValue(port), Ip = parse.GetValue(ip) ?? string.Empty, DatabasePath = parse.GetValue(db),
                TlsCertificatePath = parse.GetValue(tlsCert), TlsKeyPath = parse.GetValue(tlsKey), TlsClientCaPath = parse.GetValue(clientCa), Insecure = parse.GetValue(insecure),
            };
            foreach (var name in parse.GetValue(ns) ?? [])
            {
                options.Namespaces.Add(name);
            }

            if (parse.GetValue(apiKeys) is { } keyFile)
            {
                try
                {
                    options.AddApiKeysFromFile(keyFile);
                }
                catch (IOException ex)
                {
                    return Fail(ex.Message);
                }
            }

            var problems = options.Validate();
            if (problems.Count > 0)
            {
                return Fail(string.Join(" ", problems));
            }

            try
            {
                await using var host = await TemporalServerHost.StartAsync(options, cancellationToken: cancellationToken);
                var security = (options.TlsCertificatePath is null ? "plaintext" : options.TlsClientCaPath is null ? "TLS" : "mTLS") + (options.ApiKeys.Count > 0 ? $", {options.ApiKeys.Count} API key(s)" : "");
                Console.WriteLine($"Temporal-compatible server on {host.TargetHost} (namespaces: {string.Join(", ", options.Namespaces)}; " +
                    $"{(string.IsNullOrEmpty(options.DatabasePath) ? "in memory" : "SQLite " + options.DatabasePath)}; {security}). Ctrl+C stops it.");
                try
                {
                    // The server's host owns SIGINT/SIGTERM (it stops itself on them); the command's token covers the rest.
                    await host.WaitForShutdownAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: stop cleanly.
                }

                Console.WriteLine("stopped");

                return 0;
            }
            catch (InvalidDataException ex)
            {
                return Fail($"the database '{options.DatabasePath}' is corrupt: {ex.Message}");
            }
            catch (IOException ex)
            {
                return Fail($"cannot listen on {options.Ip}:{options.Port}: {ex.Message}");
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                return Fail($"cannot open database '{options.DatabasePath}': {ex.Message}");
            }
        });
        return command;
    }

    private static Command Bench()
    {
        var workflows = new Option<int>("--workflows") { Description = "Single-activity workflows for completions/s and latency", DefaultValueFactory = _ => 300 };
        var concurrent = new Option<int>("--concurrent") { Description = "Workflows in flight at once (both phases)", DefaultValueFactory = _ => 20 };
        var activities = new Option<int>("--activities") { Description = "Sequential activities per workflow in the round-trip phase", DefaultValueFactory = _ => 50 };
        var db = new Option<string?>("--db-filename") { Description = "SQLite file of the embedded server (a temporary file when omitted; durability is always on)" };
        var address = new Option<string?>("--address") { Description = "Measure an external Temporal server at host:port instead of the embedded one [default: $TEMPORAL_ADDRESS when set]" };
        var ns = NamespaceOption();
        var command = new Command("bench", "Activity round trips/s, workflow completions/s and start-to-first-activity latency (one JSON line)")
        {
            workflows, concurrent, activities, db, address, ns,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new BenchmarkOptions
            {
                Workflows = parse.GetValue(workflows), ConcurrentWorkflows = parse.GetValue(concurrent), ActivitiesPerWorkflow = parse.GetValue(activities),
                DatabasePath = parse.GetValue(db),
                Address = parse.GetValue(address) ?? (Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS") is { Length: > 0 } a && parse.GetValue(db) is null ? a : null),
                Namespace = parse.GetValue(ns)!,
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                return Fail(string.Join(" ", problems));
            }

            BenchmarkResult result;
            try
            {
                result = await TemporalBenchmark.RunAsync(options, cancellationToken);
            }
            catch (Exception ex) when (options.Address is not null && ex is InvalidOperationException or Temporalio.Exceptions.TemporalException)
            {
                return Fail($"cannot benchmark the Temporal server at {options.Address}: {ex.Message}");
            }

            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["activity_round_trips_per_s"] = Math.Round(result.ActivityRoundTripsPerSecond, 1),
                ["activity_round_trips"] = result.ActivityRoundTrips,
                ["workflow_completions_per_s"] = Math.Round(result.WorkflowCompletionsPerSecond, 1),
                ["workflows"] = result.WorkflowCompletions,
                ["start_to_first_activity_ms_p50"] = Math.Round(result.StartToFirstActivityP50.TotalMilliseconds, 1),
                ["start_to_first_activity_ms_p99"] = Math.Round(result.StartToFirstActivityP99.TotalMilliseconds, 1),
                ["server"] = options.Address is null ? "embedded" : options.Address,
                ["durability"] = options.Address is null ? "sqlite-wal synchronous=NORMAL" : "the external server's",
            }));
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: {message}"));
        return 2;
    }
}
