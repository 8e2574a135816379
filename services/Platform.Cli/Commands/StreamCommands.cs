using Platform.Domain;
using System.CommandLine;
using System.Globalization;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli.Commands;

/// <summary>`platform stream ...`: the durable live market stream (MarketStreamWorkflow) of a running platform.</summary>
internal static class StreamCommands
{
    public static Command Create()
    {
        var stream = new Command("stream", "Live Binance kline stream → Kafka → market store, as a durable Temporal workflow (talks to `platform up`)");
        stream.Subcommands.Add(Start());
        stream.Subcommands.Add(Status());
        stream.Subcommands.Add(Stop());
        stream.Subcommands.Add(Change("add", add: true));
        stream.Subcommands.Add(Change("remove", add: false));
        return stream;
    }

    /// <summary>One stream per configuration: its interval names it.</summary>
    internal static string WorkflowId(string interval) => $"market-stream-{interval}";

    private static Option<string> Interval() => new("--interval") { Description = "Kline interval of the stream", DefaultValueFactory = _ => "1h" };

    private static Option<string> Symbols(bool required) => new("--symbols") { Description = "Comma-separated symbols, e.g. BTCUSDT,ETHUSDT", Required = required };

    private static IReadOnlyList<string> ParseSymbols(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant())];

    private static Command Start()
    {
        var symbols = Symbols(required: true);
        var exchange = new Option<string?>("--exchange") { Description = "A Binance-compatible server, e.g. the simulator's http://127.0.0.1:9443 (default: Binance)" };
        var interval = Interval();
        var backfillFrom = new Option<string?>("--backfill-from") { Description = "For symbols the market store does not hold yet, backfill from this UTC time (default: stream from now)" };
        var heartbeat = new Option<int>("--heartbeat-timeout") { Description = "Seconds without a heartbeat before another worker takes the stream over", DefaultValueFactory = _ => 30 };
        var command = new Command("start", "Start the stream workflow (one per interval)") { symbols, exchange, interval, backfillFrom, heartbeat };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var url = parse.GetValue(exchange);
            if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                throw new InvalidRequestException($"--exchange: '{url}' is not an absolute URL");
            }

            var request = new MarketStreamWorkflow.Request(
                ParseSymbols(parse.GetValue(symbols)!),
                parse.GetValue(interval)!,
                url,
                CommonOptions.ParseTime(parse.GetValue(backfillFrom), "--backfill-from"),
                parse.GetValue(heartbeat));
            var client = await LifecycleCommands.ConnectAsync();
            var id = WorkflowId(request.Interval);
            try
            {
                await client.StartWorkflowAsync((MarketStreamWorkflow wf) => wf.RunAsync(request), new WorkflowOptions(id, TaskQueues.Lifecycle) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.Fail });
            }
            catch (WorkflowAlreadyStartedException)
            {
                throw new InvalidRequestException($"stream {id} is already running: change its symbols with ./platform stream add|remove, or stop it first");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Stream [blue]{id}[/] started: {string.Join(",", request.Symbols)} from {url ?? "Binance"} → Kafka market.klines.{request.Interval} → market store.");
            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var interval = Interval();
        var command = new Command("status", "Connected, last closed kline per symbol, lag, reconnects and dead letters of the stream") { interval };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = (await LifecycleCommands.ConnectAsync()).GetWorkflowHandle<MarketStreamWorkflow>(WorkflowId(parse.GetValue(interval)!));
            var status = await QueryAsync(handle);
            var report = status.Report;
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Stream [blue]{handle.Id}[/]: {string.Join(",", status.Symbols)} from {status.ExchangeUrl ?? "Binance"}{(status.Stopping ? " (stopping)" : string.Empty)}");
            if (report is null)
            {
                AnsiConsole.MarkupLine("No status reported yet (the stream activity is starting).");
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"connected: {report.Connected}  lag: {(report.LagSeconds is { } lag ? TimeSpan.FromSeconds(lag).ToString("c", CultureInfo.InvariantCulture) : "-")}  reconnects: {report.Reconnects}  closed klines: {report.ClosedKlines:N0} (backfilled {report.BackfilledKlines:N0})  dead-lettered: {report.DeadLettered:N0}  restarts: {status.Restarts}  reported: {report.ReportedAt:u}");
            var table = new Table().AddColumns("Symbol", "Last closed kline (open time, UTC)");
            foreach (var symbol in status.Symbols)
            {
                table.AddRow(symbol, report.LastClosedOpenTime.TryGetValue(symbol, out var last) ? last.ToString("u", CultureInfo.InvariantCulture) : "-");
            }

            AnsiConsole.Write(table);
            if (report.LastError is { } error)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"last error: {error}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Stop()
    {
        var interval = Interval();
        var command = new Command("stop", "Stop the stream (the activity is cancelled; what Kafka acknowledged still reaches the store)") { interval };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = (await LifecycleCommands.ConnectAsync()).GetWorkflowHandle<MarketStreamWorkflow>(WorkflowId(parse.GetValue(interval)!));
            await QueryAsync(handle);
            await handle.SignalAsync(wf => wf.StopAsync("stopped by platform stream stop"));
            var result = await handle.GetResultAsync<MarketStreamWorkflow.Result>();
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Stream {handle.Id} stopped ({result.StoppedBecause}); it streamed {string.Join(",", result.Symbols)}.");
            return 0;
        }));
        return command;
    }

    private static Command Change(string verb, bool add)
    {
        var symbols = Symbols(required: true);
        var interval = Interval();
        var command = new Command(verb, add ? "Add symbols to the running stream (they are backfilled first)" : "Remove symbols from the running stream") { symbols, interval };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = (await LifecycleCommands.ConnectAsync()).GetWorkflowHandle<MarketStreamWorkflow>(WorkflowId(parse.GetValue(interval)!));
            var change = new MarketStreamWorkflow.SymbolsChange(ParseSymbols(parse.GetValue(symbols)!));
            try
            {
                var now = add
                    ? await handle.ExecuteUpdateAsync(wf => wf.AddSymbolsAsync(change))
                    : await handle.ExecuteUpdateAsync(wf => wf.RemoveSymbolsAsync(change));
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Stream {handle.Id} now streams {string.Join(",", now)}.");
                return 0;
            }
            catch (WorkflowUpdateFailedException e)
            {
                throw new InvalidRequestException(e.InnerException?.Message ?? e.Message, e);
            }
        }));
        return command;
    }

    private static async Task<MarketStreamWorkflow.StreamStatus> QueryAsync(WorkflowHandle<MarketStreamWorkflow> handle)
    {
        try
        {
            return await handle.QueryAsync(wf => wf.Status);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            throw new InvalidRequestException($"no stream {handle.Id} is running; start one with ./platform stream start --symbols ...", e);
        }
    }
}
