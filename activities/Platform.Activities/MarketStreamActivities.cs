using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Binance;
using Platform.Domain.MarketData;
using Platform.Kafka;
using Platform.Workflows;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// The stream activity: a <see cref="BinanceKlineStreamSession"/> delivering to Kafka, with the gap backfill starting
/// after the market store's last closed kline per symbol (so an attempt that takes over from a dead worker, or a
/// restart, fills what was missed). Heartbeats every second and signals its status to the workflow.
/// </summary>
public sealed class MarketStreamActivities(KafkaProducer producer, IMarketDataStore store, IHttpClientFactory? httpClients = null, ILoggerFactory? loggers = null) : IMarketStreamActivities
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(1);
    private readonly ILoggerFactory loggerFactory = loggers ?? NullLoggerFactory.Instance;

    [Activity("RunMarketStream")]
    public async Task RunMarketStreamAsync(MarketStreamActivityInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var interval = KlineInterval.Parse(input.Interval);
        BinanceClientOptions clientOptions;
        BinanceStreamOptions streamOptions;
        try
        {
            clientOptions = input.ExchangeUrl is null ? new BinanceClientOptions() : BinanceClientOptions.ForServer(new Uri(input.ExchangeUrl));
            clientOptions.Validate();
            streamOptions = new BinanceStreamOptions { Symbols = [.. input.Symbols], Interval = interval, BackfillFrom = input.BackfillFrom };
            streamOptions.Validate();
        }
        catch (Exception e) when (e is BinanceConfigurationException or UriFormatException)
        {
            throw new ApplicationFailureException(e.Message, "BinanceConfigurationException", nonRetryable: true);
        }

        using var http = httpClients?.CreateClient("binance") ?? new HttpClient();
        var rest = new BinanceRestClient(http, clientOptions, loggerFactory.CreateLogger<BinanceRestClient>());
        var session = new BinanceKlineStreamSession(rest, streamOptions, new KafkaKlineSink(producer), LastStoredAsync, loggerFactory.CreateLogger<BinanceKlineStreamSession>());
        var run = session.RunAsync(cancellation);
        var workflow = context.TemporalClient.GetWorkflowHandle<MarketStreamWorkflow>(input.StreamId);
        var nextReport = DateTimeOffset.UtcNow;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(HeartbeatEvery, CancellationToken.None)).ConfigureAwait(false);
            var status = session.Status;
            context.Heartbeat(status.Connected, status.ClosedKlines, status.Reconnects);
            if (DateTimeOffset.UtcNow >= nextReport || run.IsCompleted)
            {
                nextReport = DateTimeOffset.UtcNow.AddSeconds(input.StatusReportSeconds);
                await ReportAsync(workflow, status).ConfigureAwait(false);
            }
        }

        try
        {
            await run.ConfigureAwait(false);
        }
        catch (BinanceConfigurationException e)
        {
            throw new ApplicationFailureException(e.Message, "BinanceConfigurationException", nonRetryable: true);
        }

        // The session returns only when cancelled: report it as the cancellation it is.
        cancellation.ThrowIfCancellationRequested();
        throw new ApplicationFailureException("the stream session ended without being cancelled", "StreamEnded");
    }

    private async Task ReportAsync(Temporalio.Client.WorkflowHandle<MarketStreamWorkflow> workflow, BinanceStreamStatus status)
    {
        var report = new MarketStreamReport(
            status.Connected, status.LastClosedOpenTime, status.Lag?.TotalSeconds, status.Reconnects, status.ClosedKlines,
            status.BackfilledKlines, status.DeadLettered, status.LastError, DateTimeOffset.UtcNow);
        try
        {
            await workflow.SignalAsync(wf => wf.ReportStatusAsync(report)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Temporalio.Exceptions.RpcException or InvalidOperationException)
        {
            // Status is informational: a failed report must not stop the stream (the next one follows in seconds).
            MarketStreamLog.ReportFailed(loggerFactory.CreateLogger<MarketStreamActivities>(), e.Message);
        }
    }

    private async ValueTask<DateTimeOffset?> LastStoredAsync(string symbol, KlineInterval interval, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        return stored.FirstOrDefault(s => s.Symbol == symbol && s.Interval == interval)?.Last;
    }
}

internal static partial class MarketStreamLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream status report to the workflow failed: {Reason}")]
    public static partial void ReportFailed(ILogger logger, string reason);
}
