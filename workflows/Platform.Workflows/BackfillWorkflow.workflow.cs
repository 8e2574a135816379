using Platform.Domain;
using Platform.Domain.MarketData;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Imports klines for symbols and a range into the market-data store, one calendar month per activity. Durable and
/// resumable (finished months are in history and never run again after a crash); idempotent (a second run changes no
/// row). The validation numbers of every month are in the result.
/// </summary>
[Workflow]
public sealed class BackfillWorkflow
{
    private int done;
    private int total;

    public sealed record Request(IReadOnlyList<string> Symbols, string Interval, DateTimeOffset From, DateTimeOffset To, string? SourceDirectory = null, int Parallelism = 4);

    public sealed record Result(int Chunks, int Inserted, int Updated, int Unchanged, int Rejected, int MissingBars, IReadOnlyList<BackfillChunkResult> Details);

    public sealed record Progress(int Done, int Total);

    [WorkflowQuery]
    public Progress CurrentProgress => new(done, total);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Symbols is null || request.Symbols.Count == 0 || request.Parallelism < 1)
        {
            throw new ApplicationFailureException("Backfill needs at least one symbol and a parallelism of at least 1.", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        IReadOnlyList<BackfillChunk> chunks;
        try
        {
            KlineInterval.Parse(request.Interval);
            chunks = MarketDataBackfill.Plan(request.Symbols, request.Interval, request.From, request.To);
        }
        catch (InvalidRequestException e)
        {
            throw new ApplicationFailureException(e.Message, InvalidRequestException.ErrorType, nonRetryable: true);
        }

        total = chunks.Count;
        var results = new List<BackfillChunkResult>(chunks.Count);
        var options = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromMinutes(15),
            RetryPolicy = new RetryPolicy { MaximumAttempts = 5, NonRetryableErrorTypes = ["MarketDataFormatException", InvalidRequestException.ErrorType] },
        };
        for (var i = 0; i < chunks.Count; i += request.Parallelism)
        {
            var batch = chunks.Skip(i).Take(request.Parallelism)
                .Select(chunk => Workflow.ExecuteActivityAsync((IMarketDataActivities a) => a.BackfillChunkAsync(new BackfillChunkInput(chunk, request.SourceDirectory)), options))
                .ToList();
            results.AddRange(await Workflow.WhenAllAsync(batch));
            done = results.Count;
        }

        return new Result(
            results.Count,
            results.Sum(r => r.Inserted),
            results.Sum(r => r.Updated),
            results.Sum(r => r.Unchanged),
            results.Sum(r => r.Rejected),
            results.Sum(r => r.MissingBars),
            results);
    }
}
