using Platform.Domain.MarketData;
using Platform.MarketData;
using Platform.Workflows;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>
/// Backfill months into the market-data store. The source is a directory of kline files (default: the bundled data
/// set) or, when it is an http(s) URL, data.binance.vision or a mirror of it (archives cached under the data directory).
/// </summary>
public sealed class MarketDataActivities(IMarketDataStore store, PlatformDataOptions options, HttpClient? http = null) : IMarketDataActivities
{
    [Activity("BackfillChunk")]
    public Task<BackfillChunkResult> BackfillChunkAsync(BackfillChunkInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var source = input.SourceDirectory ?? options.DefaultSourceDirectory ?? MarketDataLoader.BundledDirectory;
        var backfill = new MarketDataBackfill(SourceFor(source), store);
        return InvalidRequestFailure.GuardAsync(() => backfill.RunAsync(input.Chunk, ActivityExecutionContext.Current.CancellationToken));
    }

    private IKlineSource SourceFor(string source)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            var baseUri = new Uri(uri.AbsoluteUri.EndsWith('/') ? uri.AbsoluteUri : uri.AbsoluteUri + "/");
            var downloader = new BinanceDataDownloader(http ?? SharedHttp.Value, baseUri, baseUri);
            return new BinanceArchiveKlineSource(downloader, Path.Combine(options.Directory, "downloads"));
        }

        return new DirectoryKlineSource(source);
    }

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(5) });
}
