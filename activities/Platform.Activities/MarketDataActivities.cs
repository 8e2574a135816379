using Platform.Domain.MarketData;
using Platform.MarketData;
using Platform.Workflows;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>Backfill months into the market-data store.</summary>
public sealed class MarketDataActivities(IMarketDataStore store, PlatformDataOptions options) : IMarketDataActivities
{
    [Activity("BackfillChunk")]
    public async Task<BackfillChunkResult> BackfillChunkAsync(BackfillChunkInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var directory = input.SourceDirectory ?? options.DefaultSourceDirectory ?? MarketDataLoader.BundledDirectory;
        var backfill = new MarketDataBackfill(new DirectoryKlineSource(directory), store);
        return await backfill.RunAsync(input.Chunk, ActivityExecutionContext.Current.CancellationToken);
    }
}
