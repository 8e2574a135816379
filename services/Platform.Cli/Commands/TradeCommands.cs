using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Domain.Models;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform trade ...`: guarded trading (TradingWorkflow) of a model alias on a symbol, on a running platform: orders to
/// the simulator (paper, default), Binance's testnet, or — only with <c>--live</c> and the account confirmed — the live exchange.
/// </summary>
internal static class TradeCommands
{
    public static Command Create()
    {
        var trade = new Command("trade", "Guarded trading of a model alias on a symbol: decisions → risk guard → orders at the exchange → the trading store, as a durable Temporal workflow (talks to `platform up`)");
        trade.Subcommands.Add(Start());
        trade.Subcommands.Add(Status());
        trade.Subcommands.Add(Control("pause", "Pause trading: nothing is decided or sent until resumed (a name and a reason are required)", (h, c) => h.ExecuteUpdateAsync(wf => wf.PauseAsync(c))));
        trade.Subcommands.Add(Control("resume", "Resume trading after a pause or a kill (lifts the kill switch; a name and a reason are required)", (h, c) => h.ExecuteUpdateAsync(wf => wf.ResumeAsync(c))));
        trade.Subcommands.Add(Control("kill", "Engage the kill switch through the workflow: no order from the next decision on, open orders cancelled", (h, c) => h.ExecuteUpdateAsync(wf => wf.KillAsync(c))));
        trade.Subcommands.Add(Stop());
        return trade;
    }

    private static Option<string> Model() => new("--model") { Description = "The registry alias that trades", DefaultValueFactory = _ => $"models:/{LifecycleDefaults.ModelName}@{ModelAliases.Champion}" };

    private static Option<string> Symbol() => new("--symbol") { Description = "The traded symbol", DefaultValueFactory = _ => "BTCUSDT" };

    private static string WorkflowId(string model, string symbol)
    {
        var reference = ModelReference.Parse(model);
        return TradingWorkflow.IdFor(reference.Name ?? Path.GetFileNameWithoutExtension(reference.Path!), reference.Alias ?? reference.Version ?? "file", symbol);
    }

    private static Command Start()
    {
        var model = Model();
        var symbol = Symbol();
        var mode = new Option<string>("--mode") { Description = "paper (the simulator at --exchange), testnet or live", DefaultValueFactory = _ => "paper" };
        var exchange = new Option<string?>("--exchange") { Description = "The exchange's REST base URL (paper: the simulator, e.g. http://127.0.0.1:9443; default for testnet and live: Binance's)" };
        var live = new Option<bool>("--live") { Description = "Required, with --confirm-account, for --mode live: real orders with real money" };
        var confirm = new Option<string?>("--confirm-account") { Description = "Live: the account id (Binance uid) the worker's API key must belong to" };
        var tradeFrom = new Option<string?>("--trade-from") { Description = "First bar to trade (UTC); earlier rows only warm the model's window" };
        var retrainBelow = new Option<double?>("--retrain-below-sharpe") { Description = "Start the retraining workflow when the rolling one-week Sharpe falls below this" };
        var command = new Command("start", "Start guarded trading (one workflow per model alias and symbol)") { model, symbol, mode, exchange, live, confirm, tradeFrom, retrainBelow };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var traded = parse.GetValue(symbol)!.ToUpperInvariant();
            var chosen = parse.GetValue(mode)!.ToLowerInvariant();
            if (chosen is not ("paper" or "testnet" or "live"))
            {
                throw new InvalidRequestException($"--mode: '{chosen}' is not paper, testnet or live");
            }

            if (chosen == "live" && (!parse.GetValue(live) || string.IsNullOrWhiteSpace(parse.GetValue(confirm))))
            {
                throw new InvalidRequestException("--mode live sends real orders: it needs --live and --confirm-account ACCOUNT_ID (the uid of the account the worker's key belongs to)");
            }

            if (chosen != "live" && (parse.GetValue(live) || parse.GetValue(confirm) is not null))
            {
                throw new InvalidRequestException("--live and --confirm-account are for --mode live only");
            }

            var url = parse.GetValue(exchange);
            if (chosen == "paper" && url is null)
            {
                throw new InvalidRequestException("--mode paper trades at a simulator: pass --exchange, e.g. http://127.0.0.1:9443 (`platform exchange simulate`)");
            }

            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                throw new InvalidRequestException($"--exchange: '{url}' is not an absolute http(s) URL");
            }

            var sharpe = parse.GetValue(retrainBelow);
            var request = new TradingWorkflow.Request(parse.GetValue(model)!, traded, chosen, url, parse.GetValue(confirm), CommonOptions.ParseTime(parse.GetValue(tradeFrom), "--trade-from"),
                RetrainBelowSharpe: sharpe, Retraining: sharpe is null ? null : LifecycleDefaults.Retraining(ModelReference.Parse(parse.GetValue(model)!).Name ?? LifecycleDefaults.ModelName, 42, LifecycleDefaults.Thresholds, TimeSpan.FromDays(2), null, null));
            var id = WorkflowId(request.Model, traded);
            var client = await LifecycleCommands.ConnectAsync();
            try
            {
                await client.StartWorkflowAsync((TradingWorkflow wf) => wf.RunAsync(request), new WorkflowOptions(id, TaskQueues.Lifecycle) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.Fail });
            }
            catch (WorkflowAlreadyStartedException)
            {
                throw new InvalidRequestException($"trading {id} is already running; stop it first");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading [blue]{id}[/] started in [bold]{chosen}[/] mode: {request.Model} on {traded}{(url is null ? "" : " at " + url)}.");
            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var model = Model();
        var symbol = Symbol();
        var command = new Command("status", "Mode, position, P&L, last order and risk state of guarded trading") { model, symbol };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = await HandleAsync(parse.GetValue(model)!, parse.GetValue(symbol)!);
            var status = await QueryAsync(handle);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading [blue]{handle.Id}[/]: {status.Model} on {status.Symbol}, mode {status.Mode}{(status.Paused ? ", PAUSED" : "")}{(status.Stopping ? " (stopping)" : "")}, restarts {status.Restarts}");
            foreach (var action in status.Actions)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  {action}");
            }

            if (status.Report is not { } r)
            {
                AnsiConsole.MarkupLine("No status reported yet (the trading activity is starting).");
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"model v{r.ModelVersion}  last row {r.LastRow:u}  decisions {r.Decisions:N0}  position {r.Position}  equity {r.Equity:N2}  realized P&L {r.RealizedPnl:N2}  orders {r.OrdersSent}  fills {r.Fills}  risk rejections {r.RiskRejections}");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"last order: {r.LastOrder ?? "-"}  kill switch: {(r.KillSwitchEngaged ? "ENGAGED" : "off")}  halted: {r.Halted ?? "no"}  rolling Sharpe: {(r.RollingSharpe is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "-")}  reported {r.ReportedAt:u}");
            return 0;
        }));
        return command;
    }

    private static Command Control(string name, string description, Func<WorkflowHandle<TradingWorkflow>, TradingWorkflow.Control, Task<string>> send)
    {
        var model = Model();
        var symbol = Symbol();
        var by = new Option<string>("--by") { Description = "Who does it (audited)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (audited)", Required = true };
        var command = new Command(name, description) { model, symbol, by, reason };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = await HandleAsync(parse.GetValue(model)!, parse.GetValue(symbol)!);
            await QueryAsync(handle);
            try
            {
                var line = await send(handle, new TradingWorkflow.Control(parse.GetValue(by)!, parse.GetValue(reason)!));
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading {handle.Id}: {line}");
            }
            catch (WorkflowUpdateFailedException e)
            {
                throw new InvalidRequestException(e.InnerException?.Message ?? e.Message, e);
            }

            return 0;
        }));
        return command;
    }

    private static Command Stop()
    {
        var model = Model();
        var symbol = Symbol();
        var command = new Command("stop", "Stop guarded trading (the stored orders, fills and positions stay)") { model, symbol };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var handle = await HandleAsync(parse.GetValue(model)!, parse.GetValue(symbol)!);
            await QueryAsync(handle);
            await handle.SignalAsync(wf => wf.StopAsync("stopped by platform trade stop"));
            var result = await handle.GetResultAsync<TradingWorkflow.Result>();
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading {handle.Id} stopped ({result.StoppedBecause}).");
            return 0;
        }));
        return command;
    }

    private static async Task<WorkflowHandle<TradingWorkflow>> HandleAsync(string model, string symbol) =>
        (await LifecycleCommands.ConnectAsync()).GetWorkflowHandle<TradingWorkflow>(WorkflowId(model, symbol.ToUpperInvariant()));

    private static async Task<TradingWorkflow.TradingStatus> QueryAsync(WorkflowHandle<TradingWorkflow> handle)
    {
        try
        {
            return await handle.QueryAsync(wf => wf.Status);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            throw new InvalidRequestException($"no trading {handle.Id} is running; start it with ./platform trade start", e);
        }
    }
}
