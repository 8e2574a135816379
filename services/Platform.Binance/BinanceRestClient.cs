using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain.MarketData;

namespace Platform.Binance;

/// <summary>One kline row of a REST answer, with its JSON so a row that fails validation can be dead-lettered whole.</summary>
public readonly record struct RestKline(Kline Kline, string RawJson);

/// <summary>One symbol of <c>/api/v3/exchangeInfo</c> (the fields market data needs; filters kept as JSON for trading).</summary>
public sealed record BinanceSymbolInfo(string Symbol, string Status, string BaseAsset, string QuoteAsset, IReadOnlyList<string> FiltersJson);

/// <summary>One entry of <c>rateLimits</c>: e.g. REQUEST_WEIGHT 6000 per 1 MINUTE.</summary>
public sealed record BinanceRateLimit(string RateLimitType, string Interval, int IntervalNum, int Limit);

public sealed record BinanceExchangeInfo(DateTimeOffset ServerTime, IReadOnlyList<BinanceRateLimit> RateLimits, IReadOnlyList<BinanceSymbolInfo> Symbols);

/// <summary>
/// Binance Spot REST market data: <c>/api/v3/ping</c>, <c>/time</c>, <c>/exchangeInfo</c>, <c>/klines</c> (paged).
/// Every request is paced by the weight Binance reports (<c>X-MBX-USED-WEIGHT-1M</c>) so the budget is never crossed;
/// 429/418 wait out <c>Retry-After</c>; 5XX and transport failures are retried with jittered exponential backoff.
/// Thread-safe; one instance per process is enough.
/// </summary>
public sealed class BinanceRestClient
{
    /// <summary>Binance's maximum page of <c>/api/v3/klines</c>.</summary>
    public const int MaxKlinesPerRequest = 1000;

    private const int KlinesWeight = 2;
    private const int ExchangeInfoWeight = 20;
    private const int LightWeight = 1;

    private readonly HttpClient http;
    private readonly BinanceClientOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly object weightLock = new();
    private int usedWeight;
    private long weightMinute = -1;

    public BinanceRestClient(HttpClient http, BinanceClientOptions options, ILogger<BinanceRestClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.http = http;
        this.options = options;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = timeProvider ?? TimeProvider.System;
    }

    public BinanceClientOptions Options => options;

    /// <summary>The request weight Binance last reported for the current minute (<c>X-MBX-USED-WEIGHT-1M</c>).</summary>
    public int UsedWeight
    {
        get
        {
            lock (weightLock)
            {
                return CurrentMinute() == weightMinute ? usedWeight : 0;
            }
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken = default) =>
        await SendAsync("api/v3/ping", LightWeight, _ => true, cancellationToken).ConfigureAwait(false);

    public Task<DateTimeOffset> GetServerTimeAsync(CancellationToken cancellationToken = default) =>
        SendAsync("api/v3/time", LightWeight, root => BinanceKlineJson.Time(BinanceKlineJson.Required(root, "serverTime"), "serverTime"), cancellationToken);

    /// <summary><c>/api/v3/exchangeInfo</c>, for the given symbols or all of them.</summary>
    public Task<BinanceExchangeInfo> GetExchangeInfoAsync(IReadOnlyCollection<string>? symbols = null, CancellationToken cancellationToken = default)
    {
        var query = symbols is { Count: > 0 }
            ? "?symbols=" + Uri.EscapeDataString("[" + string.Join(',', symbols.Select(s => "\"" + s.ToUpperInvariant() + "\"")) + "]")
            : "";
        return SendAsync("api/v3/exchangeInfo" + query, ExchangeInfoWeight, root =>
        {
            var limits = BinanceKlineJson.Required(root, "rateLimits").EnumerateArray().Select(l => new BinanceRateLimit(
                BinanceKlineJson.String(BinanceKlineJson.Required(l, "rateLimitType"), "rateLimitType"),
                BinanceKlineJson.String(BinanceKlineJson.Required(l, "interval"), "interval"),
                BinanceKlineJson.Required(l, "intervalNum").GetInt32(),
                BinanceKlineJson.Required(l, "limit").GetInt32())).ToList();
            var list = BinanceKlineJson.Required(root, "symbols").EnumerateArray().Select(s => new BinanceSymbolInfo(
                BinanceKlineJson.String(BinanceKlineJson.Required(s, "symbol"), "symbol"),
                BinanceKlineJson.String(BinanceKlineJson.Required(s, "status"), "status"),
                BinanceKlineJson.String(BinanceKlineJson.Required(s, "baseAsset"), "baseAsset"),
                BinanceKlineJson.String(BinanceKlineJson.Required(s, "quoteAsset"), "quoteAsset"),
                s.TryGetProperty("filters", out var filters) ? [.. filters.EnumerateArray().Select(f => f.GetRawText())] : [])).ToList();
            return new BinanceExchangeInfo(BinanceKlineJson.Time(BinanceKlineJson.Required(root, "serverTime"), "serverTime"), limits, list);
        }, cancellationToken);
    }

    /// <summary>
    /// One page of <c>/api/v3/klines</c>: klines whose open time lies in [<paramref name="startTime"/>, <paramref name="endTime"/>]
    /// (Binance's inclusive bounds), oldest first. The newest row may be the kline still forming.
    /// </summary>
    public Task<IReadOnlyList<RestKline>> GetKlinesAsync(string symbol, KlineInterval interval, DateTimeOffset? startTime, DateTimeOffset? endTime, int limit = MaxKlinesPerRequest, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        if (limit is < 1 or > MaxKlinesPerRequest)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"Binance serves 1 to {MaxKlinesPerRequest} klines per request.");
        }

        var path = string.Create(CultureInfo.InvariantCulture, $"api/v3/klines?symbol={Uri.EscapeDataString(symbol.ToUpperInvariant())}&interval={interval.Code}&limit={limit}");
        if (startTime is { } start)
        {
            path += "&startTime=" + BinanceTime.ToQuery(start, options.TimeUnit);
        }

        if (endTime is { } end)
        {
            path += "&endTime=" + BinanceTime.ToQuery(end, options.TimeUnit);
        }

        return SendAsync<IReadOnlyList<RestKline>>(path, KlinesWeight, root =>
        {
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("expected an array of klines");
            }

            var rows = new List<RestKline>(root.GetArrayLength());
            foreach (var row in root.EnumerateArray())
            {
                rows.Add(new RestKline(BinanceKlineJson.ParseRestRow(row), row.GetRawText()));
            }

            return rows;
        }, cancellationToken);
    }

    /// <summary>Every kline with open time in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), paging by 1000, oldest first.</summary>
    public async IAsyncEnumerable<RestKline> GetKlineRangeAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var start = fromInclusive;
        var last = toExclusive - TimeSpan.FromTicks(options.TimeUnit == BinanceTimeUnit.Microsecond ? 10 : TimeSpan.TicksPerMillisecond);
        while (start <= last)
        {
            var page = await GetKlinesAsync(symbol, interval, start, last, MaxKlinesPerRequest, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < MaxKlinesPerRequest)
            {
                yield break;
            }

            var next = page[^1].Kline.OpenTime + interval.Length;
            if (next <= start)
            {
                throw new BinanceApiException($"api/v3/klines for {symbol} did not advance past {start:O}", 200, null);
            }

            start = next;
        }
    }

    private async Task<T> SendAsync<T>(string pathAndQuery, int weight, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        var uri = new Uri(options.RestBaseUri, pathAndQuery);
        var path = uri.AbsolutePath;
        using var activity = BinanceInstrumentation.ActivitySource.StartActivity("binance.rest " + path, ActivityKind.Client);
        for (var attempt = 0; ; attempt++)
        {
            await WaitForWeightAsync(weight, cancellationToken).ConfigureAwait(false);
            TimeSpan wait;
            string reason;
            using (var request = new HttpRequestMessage(HttpMethod.Get, uri))
            {
                if (options.TimeUnit == BinanceTimeUnit.Microsecond)
                {
                    request.Headers.Add("X-MBX-TIME-UNIT", "MICROSECOND");
                }

                HttpResponseMessage response;
                string body;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(options.RequestTimeout);
                    response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                    body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    BinanceInstrumentation.RestRequests.Add(1, new("path", path), new("status", 0));
                    if (attempt >= options.MaxRetries)
                    {
                        throw new BinanceApiException($"{path}: no answer after {attempt + 1} attempts: {ex.Message}", ex);
                    }

                    wait = Backoff(attempt);
                    BinanceLog.Retrying(logger, path, 0, wait, ex.Message);
                    BinanceInstrumentation.RestWaits.Add(1, new KeyValuePair<string, object?>("reason", "transport"));
                    await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using (response)
                {
                    var status = (int)response.StatusCode;
                    BinanceInstrumentation.RestRequests.Add(1, new("path", path), new("status", status));
                    RecordWeight(response);
                    if (response.IsSuccessStatusCode)
                    {
                        activity?.SetTag("http.response.status_code", status);
                        try
                        {
                            using var document = JsonDocument.Parse(body);
                            return read(document.RootElement);
                        }
                        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
                        {
                            throw new BinanceApiException($"{path}: unexpected answer ({ex.Message})", status, null);
                        }
                    }

                    var error = BinanceApiException.FromAnswer(path, status, body);
                    var retryable = status is 429 or 418 or >= 500;
                    if (!retryable || attempt >= options.MaxRetries)
                    {
                        activity?.SetStatus(ActivityStatusCode.Error, error.Message);
                        throw error;
                    }

                    if (status is 429 or 418)
                    {
                        // Binance's Retry-After is in seconds; without one, wait for the next weight window.
                        wait = response.Headers.RetryAfter?.Delta ?? UntilNextMinute();
                        if (wait > options.MaxRetryAfter)
                        {
                            throw new BinanceApiException($"{error.Message} Retry-After {wait.TotalSeconds:0}s exceeds the {options.MaxRetryAfter.TotalSeconds:0}s this client waits (IP banned?).", status, error.Code);
                        }

                        reason = status == 418 ? "ban" : "rate-limit";
                    }
                    else
                    {
                        wait = Backoff(attempt);
                        reason = "server-error";
                    }

                    BinanceLog.Retrying(logger, path, status, wait, error.Message);
                }
            }

            BinanceInstrumentation.RestWaits.Add(1, new KeyValuePair<string, object?>("reason", reason));
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt));

        // Full jitter between half and all of the ceiling: retries of many clients do not arrive together.
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private long CurrentMinute() => time.GetUtcNow().ToUnixTimeSeconds() / 60;

    private TimeSpan UntilNextMinute()
    {
        var now = time.GetUtcNow();
        var next = DateTimeOffset.FromUnixTimeSeconds(((now.ToUnixTimeSeconds() / 60) + 1) * 60);

        // A little past the boundary: the server's minute may start slightly after ours.
        return next - now + TimeSpan.FromMilliseconds(250);
    }

    private void RecordWeight(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("X-MBX-USED-WEIGHT-1M", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var used))
        {
            lock (weightLock)
            {
                usedWeight = used;
                weightMinute = CurrentMinute();
            }
        }
    }

    /// <summary>Waits for the next minute when this request would take the reported weight over the budget.</summary>
    private async Task WaitForWeightAsync(int weight, CancellationToken cancellationToken)
    {
        var budget = (int)(options.RequestWeightPerMinute * options.WeightBudgetFraction);
        int projected;
        lock (weightLock)
        {
            if (CurrentMinute() != weightMinute)
            {
                return;
            }

            projected = usedWeight + weight;

            // Reserve the weight so concurrent callers see it before the server's next header.
            usedWeight = projected;
        }

        if (projected > budget)
        {
            var wait = UntilNextMinute();
            BinanceLog.WeightWait(logger, projected - weight, budget, wait);
            BinanceInstrumentation.RestWaits.Add(1, new KeyValuePair<string, object?>("reason", "weight"));
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

internal static partial class BinanceLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Binance {Path} answered {Status}; retrying in {Wait}: {Reason}")]
    public static partial void Retrying(ILogger logger, string path, int status, TimeSpan wait, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request weight {Used} is near the budget {Budget}/min; waiting {Wait} for the next minute")]
    public static partial void WeightWait(ILogger logger, int used, int budget, TimeSpan wait);
}
