using Platform.Domain;
using System.CommandLine;
using System.Globalization;
using Platform.Domain.Execution;
using Platform.Storage.Postgres;
using Platform.Storage.Trading;
using Platform.Worker;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>
/// What the trading store holds, from the command line: <c>orders</c>, <c>positions</c> and <c>risk status</c>. They read
/// PostgreSQL when PLATFORM_POSTGRES is set, else the SQLite file in <c>--data-dir</c>.
/// </summary>
internal static class TradingStoreCommands
{
    public static IEnumerable<Command> Create() => [Orders(), Positions(), Risk(), Kill(), Resume()];

    private static Option<string?> Mode() => new("--mode") { Description = "Only this mode: paper, testnet or live; default: all" };

    private static Option<int> Limit(int defaultValue, string what) => new("--limit") { Description = $"At most this many {what}", DefaultValueFactory = _ => defaultValue };

    private static Command Orders()
    {
        var data = LifecycleCommands.DataDirectory();
        var from = new Option<string?>("--from") { Description = "Orders created at or after this UTC date or date-time, e.g. 2024-03-01; default: the last 24 hours" };
        var symbol = new Option<string?>("--symbol") { Description = "Only this symbol; default: all" };
        var mode = Mode();
        var limit = Limit(1000, "orders");
        var command = new Command("orders", "List stored exchange orders, oldest first (PLATFORM_POSTGRES, else the data directory's trading.db)") { data, from, symbol, mode, limit };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var query = new OrderQuery(
                CommonOptions.ParseTime(parse.GetValue(from), "--from") ?? DateTimeOffset.UtcNow.AddDays(-1),
                ParseMode(parse.GetValue(mode)),
                parse.GetValue(symbol)?.ToUpperInvariant(),
                PositiveLimit(parse.GetValue(limit)));
            await using var store = await OpenAsync(parse.GetValue(data)!, cancellation);
            var orders = await store.GetOrdersAsync(query, cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{orders.Count} orders since {query.From:yyyy-MM-dd HH:mm:ss}Z in {store.Description}");
            if (orders.Count == 0)
            {
                return 0;
            }

            var table = new Table().AddColumns("created (UTC)", "mode", "symbol", "side", "type", "status", "quantity", "executed", "avg price", "limit", "client order id", "exchange id");
            foreach (var o in orders)
            {
                table.AddRow(
                    Cell(o.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), Cell(Name(o.Mode)), Cell(o.Symbol), Cell(Name(o.Side)), Cell(Name(o.Type)), Cell(Name(o.Status)),
                    Cell(Number(o.OriginalQuantity)), Cell(Number(o.ExecutedQuantity)), Cell(Number(o.AveragePrice)), Cell(Number(o.LimitPrice)), Cell(o.ClientOrderId), Cell(o.ExchangeOrderId.ToString(CultureInfo.InvariantCulture)));
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Positions()
    {
        var data = LifecycleCommands.DataDirectory();
        var mode = Mode();
        var command = new Command("positions", "Show stored positions per mode and symbol") { data, mode };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            await using var store = await OpenAsync(parse.GetValue(data)!, cancellation);
            var positions = await store.GetPositionsAsync(ParseMode(parse.GetValue(mode)), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{positions.Count} positions in {store.Description}");
            if (positions.Count == 0)
            {
                return 0;
            }

            var table = new Table().AddColumns("mode", "symbol", "quantity", "avg entry price", "realized P&L", "updated (UTC)");
            foreach (var p in positions)
            {
                table.AddRow(Cell(Name(p.Mode)), Cell(p.Symbol), Cell(Number(p.Quantity)), Cell(Number(p.AverageEntryPrice)), Cell(Number(p.RealizedPnl)), Cell(p.UpdatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Risk()
    {
        var data = LifecycleCommands.DataDirectory();
        var limit = Limit(20, "recent risk events");
        var status = new Command("status", "Kill-switch state and the most recent risk-guard verdicts") { data, limit };
        status.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var count = PositiveLimit(parse.GetValue(limit));
            await using var store = await OpenAsync(parse.GetValue(data)!, cancellation);
            var kill = await store.GetKillSwitchAsync(cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"store: {store.Description}");
            if (kill is null)
            {
                AnsiConsole.MarkupLine("kill switch: [green]never engaged[/]");
            }
            else
            {
                var state = kill.Engaged ? "[red]ENGAGED[/]" : "[green]lifted[/]";
                AnsiConsole.MarkupLine($"kill switch: {state} " + Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"by {kill.By} at {kill.Time:yyyy-MM-dd HH:mm:ss}Z: {kill.Reason}")));
            }

            var events = await store.GetRiskEventsAsync(count, cancellationToken: cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{events.Count} recent risk events");
            if (events.Count == 0)
            {
                return 0;
            }

            var table = new Table().AddColumns("time (UTC)", "mode", "symbol", "rule", "verdict", "observed", "limit", "reason", "order");
            foreach (var e in events)
            {
                Spectre.Console.Rendering.IRenderable verdict = e.Verdict == RiskVerdict.Allowed ? Cell(Name(e.Verdict)) : new Markup($"[red]{Markup.Escape(Name(e.Verdict))}[/]");
                table.AddRow(
                    Cell(e.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), Cell(Name(e.Mode)), Cell(e.Symbol), Cell(e.Rule), verdict,
                    Cell(Number(e.ObservedValue)), Cell(Number(e.LimitValue)), Cell(e.Reason), Cell(e.ClientOrderId ?? e.DecisionId ?? string.Empty));
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return new Command("risk", "The risk guard's state in the trading store") { status };
    }

    /// <summary>
    /// `platform kill --reason TEXT`: engages the kill switch in the trading store, audited. Every order goes through the
    /// risk guard's <c>kill_switch</c> rule; only `platform resume` by a named person lifts it.
    /// </summary>
    private static Command Kill()
    {
        var data = LifecycleCommands.DataDirectory();
        var reason = new Option<string>("--reason") { Description = "Why trading stops (kept in the audit record)", Required = true };
        var by = new Option<string>("--by") { Description = "Who stops it", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("kill", "Engage the kill switch (audited): the risk guard's kill_switch rule halts orders until a person resumes trading") { reason, by, data };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            await using var store = await TradingStores.OpenAsync(PostgresConnectionString.FromEnvironment(), parse.GetValue(data)!, mustExist: false, cancellation);
            var engaged = await new StoredKillSwitch(store).EngageAsync(parse.GetValue(by)!, parse.GetValue(reason)!, cancellation);
            AnsiConsole.MarkupLine("kill switch [red]ENGAGED[/] " + Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"by {engaged.By} at {engaged.Time:yyyy-MM-dd HH:mm:ss}Z: {engaged.Reason} ({store.Description})")));
            return 0;
        }));
        return command;
    }

    /// <summary>`platform resume --by WHO --reason TEXT`: lifts the kill switch; a person's name and a reason are required.</summary>
    private static Command Resume()
    {
        var data = LifecycleCommands.DataDirectory();
        var by = new Option<string>("--by") { Description = "Who resumes trading (a person)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it is safe again", Required = true };
        var command = new Command("resume", "Lift the kill switch (a named person and a reason, audited)") { by, reason, data };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            await using var store = await OpenAsync(parse.GetValue(data)!, cancellation);
            var killSwitch = new StoredKillSwitch(store);
            if (await killSwitch.GetStateAsync(cancellation) is not { Engaged: true })
            {
                throw new InvalidRequestException("the kill switch is not engaged: nothing to resume");
            }

            var lifted = await killSwitch.ReleaseAsync(parse.GetValue(by)!, parse.GetValue(reason)!, cancellation);
            AnsiConsole.MarkupLine("kill switch [green]lifted[/] " + Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"by {lifted.By} at {lifted.Time:yyyy-MM-dd HH:mm:ss}Z: {lifted.Reason}")));
            return 0;
        }));
        return command;
    }

    private static Task<SqlTradingStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken) =>
        TradingStores.OpenAsync(PostgresConnectionString.FromEnvironment(), dataDirectory, mustExist: true, cancellationToken);

    private static TradingMode? ParseMode(string? text) => text switch
    {
        null or "" => null,
        _ when Enum.TryParse<TradingMode>(text, ignoreCase: true, out var mode) && !int.TryParse(text, out _) => mode,
        _ => throw new InvalidRequestException($"--mode: '{text}' is not paper, testnet or live"),
    };

    private static int PositiveLimit(int limit) => limit > 0 ? limit : throw new InvalidRequestException($"--limit must be positive (got {limit})");

    private static Text Cell(string text) => new(text);

    private static string Name<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
