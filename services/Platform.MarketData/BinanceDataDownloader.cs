using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Binance;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>What happened to one file of a download.</summary>
public enum DownloadOutcome
{
    Downloaded,

    /// <summary>Already on disk and verified: downloads are resumable and idempotent.</summary>
    AlreadyPresent,

    /// <summary>The server has no such file (e.g. the month is not published yet).</summary>
    NotPublished,
}

public sealed record DownloadedFile(string Name, DownloadOutcome Outcome, long Bytes);

/// <summary>
/// Downloads klines from data.binance.vision (monthly archives with their .CHECKSUM, verified) or from the REST
/// endpoint /api/v3/klines through <see cref="BinanceRestClient"/> (paged by 1000, weight-paced, Retry-After honoured).
/// Base addresses are configurable so the same code works against mirrors, the exchange simulator and test servers.
/// </summary>
public sealed class BinanceDataDownloader(HttpClient http, Uri visionBase, Uri restBase)
{
    private readonly BinanceRestClient rest = new(http, new BinanceClientOptions { RestBaseUri = restBase });

    public static Uri DefaultVisionBase { get; } = new("https://data.binance.vision/");

    public static Uri DefaultRestBase { get; } = new("https://data-api.binance.vision/");

    private const int MaxRetries = 5;

    /// <summary>Fetches the monthly archives covering [from, to) into <paramref name="directory"/>.</summary>
    public async Task<IReadOnlyList<DownloadedFile>> DownloadMonthlyAsync(string symbol, KlineInterval interval, DateTimeOffset from, DateTimeOffset to, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        Directory.CreateDirectory(directory);
        var results = new List<DownloadedFile>();
        var code = interval.Code == "1M" ? "1mo" : interval.Code;
        for (var month = new DateTimeOffset(from.Year, from.Month, 1, 0, 0, 0, TimeSpan.Zero); month < to; month = month.AddMonths(1))
        {
            var name = $"{symbol}-{code}-{month:yyyy-MM}.zip";
            progress?.Report(name);
            var path = Path.Combine(directory, name);
            if (File.Exists(path) && File.Exists(path + ".CHECKSUM") && IsVerified(path))
            {
                results.Add(new DownloadedFile(name, DownloadOutcome.AlreadyPresent, new FileInfo(path).Length));
                continue;
            }

            var relative = $"data/spot/monthly/klines/{symbol}/{code}/{name}";
            var checksum = await GetBytesAsync(new Uri(visionBase, relative + ".CHECKSUM"), cancellationToken);
            var archive = checksum is null ? null : await GetBytesAsync(new Uri(visionBase, relative), cancellationToken);
            if (checksum is null || archive is null)
            {
                results.Add(new DownloadedFile(name, DownloadOutcome.NotPublished, 0));
                continue;
            }

            // Write to temporary names first so an interrupted download never looks complete.
            await File.WriteAllBytesAsync(path + ".part", archive, cancellationToken);
            await File.WriteAllBytesAsync(path + ".CHECKSUM", checksum, cancellationToken);
            File.Move(path + ".part", path, overwrite: true);
            if (!IsVerified(path))
            {
                File.Delete(path);
                throw new MarketDataFormatException(name, 0, "downloaded archive does not match its .CHECKSUM");
            }

            results.Add(new DownloadedFile(name, DownloadOutcome.Downloaded, archive.Length));
        }

        return results;
    }

    /// <summary>Fetches [from, to) from /api/v3/klines into one CSV in Binance's 12-column layout (no header).</summary>
    public async Task<DownloadedFile> DownloadRestAsync(string symbol, KlineInterval interval, DateTimeOffset from, DateTimeOffset to, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        Directory.CreateDirectory(directory);
        var name = $"{symbol}-{interval.Code}-rest-{from:yyyyMMddHH}-{to:yyyyMMddHH}.csv";
        var csv = new StringBuilder();
        progress?.Report($"{symbol} {from:yyyy-MM-dd HH:mm}");
        await foreach (var row in rest.GetKlineRangeAsync(symbol, interval, from, to, cancellationToken))
        {
            // The row's own strings, so decimals keep Binance's exact text.
            using var document = JsonDocument.Parse(row.RawJson);
            csv.AppendJoin(',', document.RootElement.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())).Append('\n');
        }

        var path = Path.Combine(directory, name);
        await File.WriteAllTextAsync(path + ".part", csv.ToString(), cancellationToken);
        File.Move(path + ".part", path, overwrite: true);
        return new DownloadedFile(name, DownloadOutcome.Downloaded, new FileInfo(path).Length);
    }

    private static bool IsVerified(string zipPath)
    {
        try
        {
            return KlineFileReader.VerifyChecksum(zipPath) == ChecksumStatus.Verified;
        }
        catch (MarketDataFormatException)
        {
            return false;
        }
    }

    /// <summary>GET with retries on 429/418 (Retry-After) and 5xx; null on 404.</summary>
    private async Task<byte[]?> GetBytesAsync(Uri uri, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.GetAsync(uri, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }

            var status = (int)response.StatusCode;
            var retryable = status is 429 or 418 or >= 500;
            if (!retryable || attempt >= MaxRetries)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw BinanceApiException.FromAnswer(uri.AbsolutePath, status, text);
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(Math.Pow(2, attempt - 1) * 0.5);
            await Task.Delay(wait, cancellationToken);
        }
    }
}
