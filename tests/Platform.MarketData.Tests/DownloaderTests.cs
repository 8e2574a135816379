using System.IO.Compression;
using System.Security.Cryptography;
using Platform.Binance;
using Platform.Domain.MarketData;

namespace Platform.MarketData.Tests;

public sealed class DownloaderTests : IDisposable
{
    private readonly FakeBinanceServer server = new();
    private readonly HttpClient http = new();
    private readonly string directory = Directory.CreateTempSubdirectory("platform-dl-").FullName;

    public void Dispose()
    {
        server.Dispose();
        http.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private BinanceDataDownloader Downloader => new(http, server.BaseUri, server.BaseUri);

    private void Publish(string month, string csv, string? checksumOverride = null)
    {
        var name = $"BTCUSDT-1h-{month}.zip";
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry($"BTCUSDT-1h-{month}.csv").Open());
            writer.Write(csv);
        }

        var bytes = buffer.ToArray();
        server.Files[$"data/spot/monthly/klines/BTCUSDT/1h/{name}"] = bytes;
        server.Files[$"data/spot/monthly/klines/BTCUSDT/1h/{name}.CHECKSUM"] = System.Text.Encoding.UTF8.GetBytes($"{checksumOverride ?? Convert.ToHexStringLower(SHA256.HashData(bytes))}  {name}\n");
    }

    [Fact]
    public async Task DownloadMonthly_PublishedAndUnpublishedMonths_DownloadsVerifiesAndReports()
    {
        Publish("2024-01", "1704067200000,1,1,1,1,1,1704070799999,1,1,1,1,0\n");

        var files = await Downloader.DownloadMonthlyAsync("BTCUSDT", KlineInterval.OneHour, new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), directory);

        Assert.Equal([DownloadOutcome.Downloaded, DownloadOutcome.NotPublished], files.Select(f => f.Outcome));
        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);
        Assert.Equal(ChecksumStatus.Verified, Assert.Single(loaded.Files).Checksum);
    }

    [Fact]
    public async Task DownloadMonthly_SecondRun_FetchesNothingAgain()
    {
        Publish("2024-01", "1704067200000,1,1,1,1,1,1704070799999,1,1,1,1,0\n");
        DateTimeOffset from = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), to = new(2024, 2, 1, 0, 0, 0, TimeSpan.Zero);
        await Downloader.DownloadMonthlyAsync("BTCUSDT", KlineInterval.OneHour, from, to, directory);
        var requests = server.Requests.Count;

        var again = await Downloader.DownloadMonthlyAsync("BTCUSDT", KlineInterval.OneHour, from, to, directory);

        Assert.Equal(DownloadOutcome.AlreadyPresent, Assert.Single(again).Outcome);
        Assert.Equal(requests, server.Requests.Count);
    }

    [Fact]
    public async Task DownloadMonthly_ChecksumMismatch_FailsAndKeepsNoArchive()
    {
        Publish("2024-01", "1704067200000,1,1,1,1,1\n", checksumOverride: new string('a', 64));

        await Assert.ThrowsAsync<MarketDataFormatException>(() => Downloader.DownloadMonthlyAsync("BTCUSDT", KlineInterval.OneHour, new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2024, 2, 1, 0, 0, 0, TimeSpan.Zero), directory));
        Assert.False(File.Exists(Path.Combine(directory, "BTCUSDT-1h-2024-01.zip")));
    }

    [Fact]
    public async Task DownloadRest_MoreThanOnePage_PagesAndKeepsExactDecimalStrings()
    {
        server.ThrottleNext(1); // the first request gets 429 with Retry-After: 0
        var from = server.SeriesStart;

        var file = await Downloader.DownloadRestAsync("BTCUSDT", KlineInterval.OneHour, from, from.AddHours(2400), directory);

        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);
        var series = loaded.Data["BTCUSDT"];
        Assert.Equal(2400, series.Count);
        Assert.Empty(loaded.Data.Reports[0].Gaps);
        Assert.Equal(42_399.5m, series.Klines[^1].Close);
        Assert.Equal(4, server.Requests.Count(r => r == "api/v3/klines")); // 429 + three pages
        Assert.Equal(DownloadOutcome.Downloaded, file.Outcome);
    }

    [Fact]
    public async Task ArchiveSource_RangeAcrossTwoMonths_DownloadsOnceAndSlicesTheRange()
    {
        var jan = new DateTimeOffset(2024, 1, 31, 22, 0, 0, TimeSpan.Zero);
        Publish("2024-01", "1706738400000,1,1,1,1,1\n1706742000000,2,2,2,2,1\n");
        Publish("2024-02", "1706745600000,3,3,3,3,1\n1706749200000,4,4,4,4,1\n");
        var source = new BinanceArchiveKlineSource(Downloader, directory);

        var first = await source.LoadAsync("BTCUSDT", KlineInterval.OneHour, jan.AddHours(1), jan.AddHours(3));
        var requests = server.Requests.Count;
        var second = await source.LoadAsync("BTCUSDT", KlineInterval.OneHour, jan, jan.AddHours(4));

        Assert.Equal([2m, 3m], first.Series.Klines.Select(k => k.Close));
        Assert.Equal(4, second.Series.Count);
        Assert.Equal(requests, server.Requests.Count);
        await Assert.ThrowsAsync<FileNotFoundException>(() => source.LoadAsync("BTCUSDT", KlineInterval.OneHour, jan.AddMonths(3), jan.AddMonths(4)));
    }

    [Fact]
    public async Task DownloadRest_BinanceError_CarriesCodeAndMessage()
    {
        var e = await Assert.ThrowsAsync<BinanceApiException>(() => Downloader.DownloadRestAsync("NOPE", KlineInterval.OneHour, server.SeriesStart, server.SeriesStart.AddHours(5), directory));

        Assert.Equal(-1121, e.Code);
        Assert.Contains("Invalid symbol.", e.Message, StringComparison.Ordinal);
    }
}
