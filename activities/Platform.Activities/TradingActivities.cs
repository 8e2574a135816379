using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Binance.Trading;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Execution;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Kafka;
using Platform.LiveTrading;
using Platform.LiveTrading.Execution;
using Platform.Workflows;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// The trading activities: the decision service with the execution service as its position port (orders to the
/// exchange of the request's mode behind the risk guard, every record in the trading store), held until cancelled and
/// heartbeating; and the kill switch. The exchange keys come from the worker's environment or secrets file, never from
/// the workflow's history. Live trading is refused unless the request confirms the account the keys belong to.
/// </summary>
public sealed class TradingActivities(
    KafkaCluster kafka,
    ITradingStore store,
    IModelLoader models,
    BinanceCredentials? credentials,
    ExecutionOptions? execution = null,
    ILoggerFactory? loggers = null) : ITradingActivities
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(1);
    private const int SharpeWindowBars = 168;
    private readonly ILoggerFactory loggerFactory = loggers ?? NullLoggerFactory.Instance;
    private readonly ExecutionOptions executionOptions = execution ?? new ExecutionOptions();

    [Activity("RunTradingService")]
    public async Task RunTradingServiceAsync(TradingActivityInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var (mode, binanceMode) = input.Mode switch
        {
            "paper" => (TradingMode.Paper, BinanceTradingMode.Simulator),
            "testnet" => (TradingMode.Testnet, BinanceTradingMode.Testnet),
            "live" => (TradingMode.Live, BinanceTradingMode.Live),
            _ => throw Invalid($"mode '{input.Mode}' is not paper, testnet or live"),
        };
        var keys = credentials ?? throw Invalid($"trading needs the exchange account's API key on the worker: {BinanceCredentials.ApiKeyVariable} with {BinanceCredentials.ApiSecretVariable} (or {BinanceCredentials.PrivateKeyFileVariable}), or {BinanceCredentials.SecretsFileVariable}");
        Uri? exchange = null;
        if (input.Exchange is not null && !Uri.TryCreate(input.Exchange, UriKind.Absolute, out exchange))
        {
            throw Invalid($"exchange '{input.Exchange}' is not an absolute URL");
        }

        using var http = new HttpClient();
        var client = new BinanceTradingClient(http, new BinanceTradingOptions { Mode = binanceMode, BaseUri = exchange, AllowLive = mode == TradingMode.Live }, keys, loggerFactory.CreateLogger<BinanceTradingClient>());
        if (mode == TradingMode.Live)
        {
            var account = await client.GetAccountAsync(cancellation).ConfigureAwait(false);
            if (account.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) != input.ConfirmAccount)
            {
                throw Invalid($"the API key belongs to account {account.Uid}, not the confirmed account {input.ConfirmAccount}: nothing was sent");
            }
        }

        var hold = mode == TradingMode.Paper && exchange is not null && await SimulatorClockHold.IsSupportedAsync(http, exchange, cancellation).ConfigureAwait(false)
            ? new SimulatorClockHold(http, exchange, "trading-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(input.WorkflowId)))[..16])
            : null;
        using var model = await LiveDecisionActivities.LoadModelAsync(models, input.Model, input.ModelVersion, cancellation).ConfigureAwait(false);
        using var port = new ExchangeExecutionPort(model.Trading with { Symbol = input.Symbol }, store, new BinanceOrderGateway(client), executionOptions with { Mode = mode }, hold, loggerFactory.CreateLogger<ExchangeExecutionPort>());
        var reference = LiveDecisionActivities.Parse(input.Model);
        using var service = new KafkaDecisionService(kafka, model, new DecisionServiceOptions
        {
            Symbol = input.Symbol,
            TradeFrom = input.TradeFrom ?? DateTimeOffset.MinValue,
            Follow = reference.Alias is not null ? reference : null,
            GroupId = $"trading-{model.Identity.Name}-{input.Symbol}",
        }, port, loader: models, logger: loggerFactory.CreateLogger<KafkaDecisionService>());
        var workflow = context.TemporalClient.GetWorkflowHandle<TradingWorkflow>(input.WorkflowId);
        var run = Task.Run(() => service.RunAsync(cancellation), CancellationToken.None);
        var nextReport = DateTimeOffset.UtcNow;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(HeartbeatEvery, CancellationToken.None)).ConfigureAwait(false);
            var status = service.Status;
            context.Heartbeat(status.Decisions, status.LastRow);
            if (DateTimeOffset.UtcNow >= nextReport)
            {
                nextReport = DateTimeOffset.UtcNow.AddSeconds(input.StatusReportSeconds);
                await ReportAsync(workflow, input.Mode, status, port).ConfigureAwait(false);
            }
        }

        await LiveDecisionActivities.EndedAsync(run, "trading", cancellation).ConfigureAwait(false);
    }

    [Activity("SetKillSwitch")]
    public async Task<bool> SetKillSwitchAsync(KillSwitchChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var kill = new StoredKillSwitch(store);
        var current = await kill.GetStateAsync().ConfigureAwait(false);
        if (current?.Engaged == change.Engage || (current is null && !change.Engage))
        {
            return false;
        }

        try
        {
            _ = change.Engage ? await kill.EngageAsync(change.By, change.Reason).ConfigureAwait(false) : await kill.ReleaseAsync(change.By, change.Reason).ConfigureAwait(false);
            return true;
        }
        catch (InvalidRequestException e)
        {
            throw Invalid(e.Message);
        }
    }

    private async Task ReportAsync(Temporalio.Client.WorkflowHandle<TradingWorkflow> workflow, string mode, DecisionServiceStatus status, ExchangeExecutionPort port)
    {
        var session = port.Session;
        var account = session.Account;
        var stats = port.Stats;
        var last = session.Prices.Length > 0 ? session.Prices[^1] : 0m;
        var equity = session.EquityCurve.Length > 0 ? session.EquityCurve[^1] : account.Options.InitialCash;
        double? sharpe = null;
        if (session.Bars > SharpeWindowBars)
        {
            var window = session.EquityCurve[^SharpeWindowBars..];
            sharpe = PerformanceMetrics.Compute(window, session.PositionCurve[^SharpeWindowBars..], account, session.EquityCurve[^(SharpeWindowBars + 1)], last, KlineInterval.OneHour.PeriodsPerYear).Sharpe;
        }

        var lastTrade = session.Trades.Count > 0 ? session.Trades[^1] : null;
        var killSwitch = await store.GetKillSwitchAsync().ConfigureAwait(false);
        var report = new TradingReport(
            mode,
            status.LastRow,
            status.Model.Version ?? "file",
            status.Decisions,
            account.Quantity,
            equity,
            account.RealizedPnl,
            stats.OrdersSent,
            stats.Fills,
            stats.RiskRejections,
            lastTrade is null ? null : $"{lastTrade.Side.ToString().ToLowerInvariant()} {lastTrade.Quantity} at {lastTrade.FillPrice} ({lastTrade.Time:u})",
            stats.Halted,
            killSwitch?.Engaged == true,
            sharpe is { } s && double.IsFinite(s) ? s : null,
            DateTimeOffset.UtcNow);
        try
        {
            await workflow.SignalAsync(wf => wf.ReportStatusAsync(report)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Temporalio.Exceptions.RpcException or InvalidOperationException)
        {
            TradingActivityLog.ReportFailed(loggerFactory.CreateLogger<TradingActivities>(), e.Message);
        }
    }

    private static ApplicationFailureException Invalid(string message) => new(message, InvalidRequestException.ErrorType, nonRetryable: true);
}

internal static partial class TradingActivityLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Trading status report to the workflow failed: {Reason}")]
    public static partial void ReportFailed(ILogger logger, string reason);
}
