using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
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

/// <summary>A Binance error answer: <c>{"code": -1121, "msg": "Invalid symbol."}</c>, or an HTTP failure.</summary>
public sealed class BinanceApiException : Exception
{
    public BinanceApiException(string message, int httpStatus, int? code)
        : base(message)
    {
        HttpStatus = httpStatus;
        Code = code;
    }

    public BinanceApiException()
        : base("Binance request failed")
    {
    }

    public BinanceApiException(string message)
        : base(message)
    {
    }

    public BinanceApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int HttpStatus { get; }

    public int? Code { get; }
}

/// <summary>
/// Downloads klines from data.binance.vision (monthly archives with their .CHECKSUM, verified) or from the REST
/// endpoint /api/v3/klines (paged by 1000, Retry-After honoured). Base addresses are configurable so the same code
/// works against mirrors and local test servers.
/// </summary>
public sealed class BinanceDataDownloader(HttpClient http, Uri visionBase, Uri restBase)
{
    public static Uri DefaultVisionBase { get; } = new("https://data.binance.vision/");

    public static Uri DefaultRestBase { get; } = new("https://data-api.binance.vision/");

    private const int RestPageLimit = 1000;
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
        var start = from.ToUnixTimeMilliseconds();
        var end = to.ToUnixTimeMilliseconds() - 1;
        while (start <= end)
        {
            progress?.Report($"{symbol} {DateTimeOffset.FromUnixTimeMilliseconds(start):yyyy-MM-dd HH:mm}");
            var uri = new Uri(restBase, string.Create(CultureInfo.InvariantCulture, $"api/v3/klines?symbol={Uri.EscapeDataString(symbol)}&interval={interval.Code}&startTime={start}&endTime={end}&limit={RestPageLimit}"));
            var body = await GetBytesAsync(uri, cancellationToken) ?? throw new BinanceApiException($"{uri.AbsolutePath}: not found", 404, null);
            using var document = JsonDocument.Parse(body);
            var rows = document.RootElement;
            if (rows.ValueKind != JsonValueKind.Array)
            {
                throw new BinanceApiException($"{uri.AbsolutePath}: expected an array of klines", 200, null);
            }

            long last = -1;
            foreach (var row in rows.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 11)
                {
                    throw new BinanceApiException($"{uri.AbsolutePath}: a kline is not a 12-element array", 200, null);
                }

                csv.AppendJoin(',', row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())).Append('\n');
                last = row[0].GetInt64();
            }

            if (rows.GetArrayLength() < RestPageLimit || last < 0)
            {
                break;
            }

            start = last + 1;
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
                throw ToException(uri, status, text);
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(Math.Pow(2, attempt - 1) * 0.5);
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static BinanceApiException ToException(Uri uri, int status, string body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            if (error.RootElement.TryGetProperty("code", out var code) && error.RootElement.TryGetProperty("msg", out var msg))
            {
                return new BinanceApiException($"Binance error {code.GetInt32()} (HTTP {status}) for {uri.AbsolutePath}: {msg.GetString()}", status, code.GetInt32());
            }
        }
        catch (JsonException)
        {
            // Not Binance's JSON error shape: report the status alone.
        }

        return new BinanceApiException($"HTTP {status} for {uri.AbsolutePath}", status, null);
    }
}
