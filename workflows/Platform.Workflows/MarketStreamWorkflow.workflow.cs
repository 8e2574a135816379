using System.Text.RegularExpressions;
using Platform.Domain.MarketData;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// One live market stream (one per configuration: interval and exchange), running until stopped. It keeps one
/// heartbeating activity holding the WebSocket and producing to Kafka; when its worker dies, the heartbeat times out
/// and another worker's attempt takes over, backfilling the gap from the market store's last kline. Symbols change by
/// update (the activity restarts with the new set, the gap backfill makes that lossless); the run continues as new
/// every day so its history stays small; <see cref="Status"/> answers what the activity last reported.
/// </summary>
[Workflow]
public sealed partial class MarketStreamWorkflow
{
    private List<string> symbols = [];
    private bool symbolsChanged;
    private string? stopReason;
    private int restarts;
    private MarketStreamReport? report;

    /// <param name="HeartbeatTimeoutSeconds">How long a silent attempt is trusted before another worker takes over.</param>
    /// <param name="ContinueAsNewAfterHours">Length of one run before it continues as new (a day by default).</param>
    public sealed record Request(
        IReadOnlyList<string> Symbols,
        string Interval = "1h",
        string? ExchangeUrl = null,
        DateTimeOffset? BackfillFrom = null,
        int HeartbeatTimeoutSeconds = 30,
        int StatusReportSeconds = 5,
        double ContinueAsNewAfterHours = 24,
        MarketStreamReport? LastReport = null);

    public sealed record Result(IReadOnlyList<string> Symbols, string StoppedBecause, int Restarts);

    public sealed record SymbolsChange(IReadOnlyList<string> Symbols);

    /// <summary>The query's answer: configuration and the latest report (null until the first one arrives).</summary>
    public sealed record StreamStatus(IReadOnlyList<string> Symbols, string Interval, string? ExchangeUrl, int Restarts, bool Stopping, MarketStreamReport? Report);

    private Request request = new([]);

    [WorkflowQuery]
    public StreamStatus Status => new(symbols, request.Interval, request.ExchangeUrl, restarts, stopReason is not null, report);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request input)
    {
        ArgumentNullException.ThrowIfNull(input);
        request = input;
        report = input.LastReport;
        var problem = Problem(input.Symbols) ?? IntervalProblem(input.Interval);
        if (problem is not null || input.HeartbeatTimeoutSeconds < 1 || input.StatusReportSeconds < 1 || input.ContinueAsNewAfterHours <= 0)
        {
            throw new ApplicationFailureException(problem ?? "heartbeat timeout, status report interval and run length must be positive", "InvalidRequest", nonRetryable: true);
        }

        symbols = [.. input.Symbols.Select(s => s.ToUpperInvariant())];
        var runEnds = Workflow.UtcNow + TimeSpan.FromHours(input.ContinueAsNewAfterHours);
        while (true)
        {
            symbolsChanged = false;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var stream = Workflow.ExecuteActivityAsync(
                (IMarketStreamActivities a) => a.RunMarketStreamAsync(new MarketStreamActivityInput(Workflow.Info.WorkflowId, symbols, input.Interval, input.ExchangeUrl, input.BackfillFrom, input.StatusReportSeconds)),
                new ActivityOptions
                {
                    // The activity runs until cancelled; the heartbeat timeout, not this, detects a dead worker.
                    StartToCloseTimeout = TimeSpan.FromHours(input.ContinueAsNewAfterHours) + TimeSpan.FromHours(1),
                    HeartbeatTimeout = TimeSpan.FromSeconds(input.HeartbeatTimeoutSeconds),
                    RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30), NonRetryableErrorTypes = ["BinanceConfigurationException", "InvalidRequest"] },
                    CancellationToken = attempt.Token,
                    CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                });
            var remaining = runEnds - Workflow.UtcNow;
            var changed = Workflow.WaitConditionAsync(() => symbolsChanged || stopReason is not null, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, attempt.Token);
            var first = await Workflow.WhenAnyAsync(stream, changed);
            if (first == stream)
            {
                // Only a non-retryable failure ends the activity: surface it as the workflow's failure.
                await stream;
                throw new ApplicationFailureException("the stream activity completed, which it never does on its own", "StreamEnded", nonRetryable: true);
            }

            var dayOver = !await changed;
            // Cancel, not CancelAsync: the workflow must stay on its deterministic scheduler.
            attempt.Cancel();
            await ActivityCancellation.AwaitCancelledAsync(stream);
            if (stopReason is not null)
            {
                return new Result(symbols, stopReason, restarts);
            }

            if (dayOver)
            {
                var next = input with { Symbols = symbols, LastReport = report };
                throw Workflow.CreateContinueAsNewException((MarketStreamWorkflow wf) => wf.RunAsync(next));
            }

            restarts++;
        }
    }

    /// <summary>Adds symbols (upper-cased; ones already streamed are ignored) and returns the new set.</summary>
    [WorkflowUpdate]
    public Task<IReadOnlyList<string>> AddSymbolsAsync(SymbolsChange change) =>
        ChangeAsync([.. symbols, .. change.Symbols.Select(s => s.ToUpperInvariant()).Where(s => !symbols.Contains(s))]);

    [WorkflowUpdateValidator(nameof(AddSymbolsAsync))]
    public void ValidateAddSymbols(SymbolsChange change) => Reject(change is null ? "symbols are required" : Problem(change.Symbols));

    /// <summary>Removes symbols and returns the new set; the last one cannot be removed (stop the stream instead).</summary>
    [WorkflowUpdate]
    public Task<IReadOnlyList<string>> RemoveSymbolsAsync(SymbolsChange change) =>
        ChangeAsync([.. symbols.Where(s => !change.Symbols.Contains(s, StringComparer.OrdinalIgnoreCase))]);

    [WorkflowUpdateValidator(nameof(RemoveSymbolsAsync))]
    public void ValidateRemoveSymbols(SymbolsChange change)
    {
        Reject(change is null ? "symbols are required" : Problem(change.Symbols));
        var unknown = change!.Symbols.Where(s => !symbols.Contains(s, StringComparer.OrdinalIgnoreCase)).ToList();
        Reject(unknown.Count > 0 ? $"not streamed: {string.Join(", ", unknown)}" : null);
        Reject(symbols.All(s => change.Symbols.Contains(s, StringComparer.OrdinalIgnoreCase)) ? "cannot remove every symbol; stop the stream instead" : null);
    }

    /// <summary>Sent by the running activity every few seconds.</summary>
    [WorkflowSignal]
    public Task ReportStatusAsync(MarketStreamReport status)
    {
        report = status;
        return Task.CompletedTask;
    }

    /// <summary>Stops the stream: the activity is cancelled and the workflow completes.</summary>
    [WorkflowSignal]
    public Task StopAsync(string reason)
    {
        stopReason = string.IsNullOrWhiteSpace(reason) ? "stopped" : reason;
        return Task.CompletedTask;
    }

    private Task<IReadOnlyList<string>> ChangeAsync(List<string> next)
    {
        if (!next.SequenceEqual(symbols))
        {
            symbols = next;
            symbolsChanged = true;
        }

        return Task.FromResult<IReadOnlyList<string>>(symbols);
    }

    private static void Reject(string? problem)
    {
        if (problem is not null)
        {
            throw new ApplicationFailureException(problem, "InvalidRequest", nonRetryable: true);
        }
    }

    private static string? Problem(IReadOnlyList<string>? list)
    {
        if (list is null || list.Count == 0)
        {
            return "at least one symbol is required";
        }

        var bad = list.Where(s => s is null || !SymbolPattern().IsMatch(s)).ToList();
        return bad.Count > 0 ? $"not Binance symbols: {string.Join(", ", bad)}" : null;
    }

    private static string? IntervalProblem(string interval)
    {
        try
        {
            KlineInterval.Parse(interval);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9]{2,20}$")]
    private static partial Regex SymbolPattern();
}
