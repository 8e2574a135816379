using Platform.TemporalServer.Hosting;

// Usage: Platform.TemporalServer [server] start-dev --port P --ip IP --namespace NS [--db-filename F]
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
catch (IOException ex)
{
    await Console.Error.WriteLineAsync($"error: cannot listen on {options.Ip}:{options.Port}: {ex.Message}");
    return 1;
}
