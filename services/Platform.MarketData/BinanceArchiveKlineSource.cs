using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>
/// An <see cref="IKlineSource"/> over data.binance.vision (or a mirror): the monthly archives covering a request are
/// downloaded once into a cache directory (checksums verified, resumable), then read and validated like any directory.
/// </summary>
public sealed class BinanceArchiveKlineSource(BinanceDataDownloader downloader, string cacheDirectory) : IKlineSource
{
    public async Task<SourcedSeries> LoadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(downloader);
        var directory = Path.Combine(cacheDirectory, symbol, interval.Code);
        var files = await downloader.DownloadMonthlyAsync(symbol, interval, fromInclusive, toExclusive, directory, cancellationToken: cancellationToken);
        if (files.All(f => f.Outcome == DownloadOutcome.NotPublished))
        {
            throw new FileNotFoundException($"data.binance.vision has no {symbol} {interval.Code} archive for {fromInclusive:yyyy-MM}..{toExclusive:yyyy-MM} (not published yet?).");
        }

        return await new DirectoryKlineSource(directory).LoadAsync(symbol, interval, fromInclusive, toExclusive, cancellationToken);
    }
}
