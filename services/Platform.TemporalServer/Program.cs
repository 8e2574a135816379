using System.Globalization;
using Platform.TemporalServer.Benchmarking;
using Platform.TemporalServer.Hosting;

// Usage: Platform.TemporalServer [server] start-dev --port P --ip IP --namespace NS [--db-filename F]
//        Platform.TemporalServer bench [--db-filename F]
if (args.Length > 0 && args[0] == "bench")
{
    var benchOptions = new BenchmarkOptions();
    for (var i = 1; i < args.Length; i++)
    {
        if (args[i] == "--db-filename" && i + 1 < args.Length)
        {
            benchOptions.DatabasePath = args[++i];
        }
        else
        {
            await Console.Error.WriteLineAsync($"error: unknown bench option '{args[i]}'.");
            return 2;
        }
    }

    var result = await TemporalBenchmark.RunAsync(benchOptions);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"activity round trips/s: {result.ActivityRoundTripsPerSecond:F0} ({result.ActivityRoundTrips} round trips)\n" +
        $"workflow completions/s: {result.WorkflowCompletionsPerSecond:F0} ({result.WorkflowCompletions} workflows)\n" +
        $"start-to-first-activity p50: {result.StartToFirstActivityP50.TotalMilliseconds:F1} ms, p99: {result.StartToFirstActivityP99.TotalMilliseconds:F1} ms"));
    return 0;
}


var rest = args.SkipWhile(a => a == "server").ToList();
if (rest.Count == 0 || rest[0] != "start-dev")
{
    await Console.Error.WriteLineAsync("usage: Platform.TemporalServer [server] start-dev --port P --ip IP --namespace NS [--db-filename F]");
    return 2;
}

var options = new TemporalServerOptions();
var error = ServerArguments.TryParse(rest.Skip(1).ToList(), options);
if (error is not null)
{
    await Console.Error.WriteLineAsync($"error: {error}");
    return 2;
}

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
try
{
    await using var host = await TemporalServerHost.StartAsync(options, loggerFactory);
    await host.WaitForShutdownAsync();
    return 0;
}
catch (InvalidDataException ex)
{
    await Console.Error.WriteLineAsync($"error: the database '{options.DatabasePath}' is corrupt: {ex.Message}");
    return 1;
}
catch (IOException ex)
{
    await Console.Error.WriteLineAsync($"error: cannot listen on {options.Ip}:{options.Port}: {ex.Message}");
    return 1;
}
catch (Microsoft.Data.Sqlite.SqliteException ex)
{
    await Console.Error.WriteLineAsync($"error: cannot use the database '{options.DatabasePath}': {ex.Message}");
    return 1;
}
