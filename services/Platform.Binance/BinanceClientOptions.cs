namespace Platform.Binance;

/// <summary>
/// Where and how the market-data client talks to Binance. Defaults: Binance's market-data-only endpoints (no API key
/// needed). <see cref="Testnet"/> and <see cref="ForServer"/> (our simulator, or any Binance-compatible server) switch
/// both base URLs at once.
/// </summary>
public sealed class BinanceClientOptions
{
    public static readonly Uri ProductionRestBase = new("https://data-api.binance.vision/");

    public static readonly Uri ProductionStreamBase = new("wss://data-stream.binance.vision/");

    public static readonly Uri TestnetRestBase = new("https://testnet.binance.vision/");

    public static readonly Uri TestnetStreamBase = new("wss://stream.testnet.binance.vision/");

    /// <summary>Base of the REST API; paths such as <c>api/v3/klines</c> are appended.</summary>
    public Uri RestBaseUri { get; set; } = ProductionRestBase;

    /// <summary>Base of the WebSocket streams; <c>stream?streams=...</c> is appended.</summary>
    public Uri StreamBaseUri { get; set; } = ProductionStreamBase;

    /// <summary>Ask for µs timestamps (<c>X-MBX-TIME-UNIT</c> on REST, <c>timeUnit</c> on streams). Parsing accepts both anyway.</summary>
    public BinanceTimeUnit TimeUnit { get; set; } = BinanceTimeUnit.Millisecond;

    /// <summary>Retries after the first attempt on 429/418 (after Retry-After), 5XX and transport failures.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>First backoff for 5XX and transport failures; doubled per retry with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest Retry-After the client waits out. Binance's 418 bans escalate to days: waiting that long would hide an
    /// outage, so a longer ban fails the request with the server's message instead.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed for one attempt before it counts as a transport failure.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The IP's request-weight budget per minute (Binance: 6000, in exchangeInfo's rateLimits). The client reads
    /// <c>X-MBX-USED-WEIGHT-1M</c> from every answer and waits for the next minute rather than go over it.
    /// </summary>
    public int RequestWeightPerMinute { get; set; } = 6000;

    /// <summary>Fraction of <see cref="RequestWeightPerMinute"/> the client allows itself, leaving room for other processes on the IP.</summary>
    public double WeightBudgetFraction { get; set; } = 0.9;

    /// <summary>Binance's testnet (market data is real-time but not production prices).</summary>
    public static BinanceClientOptions Testnet() => new() { RestBaseUri = TestnetRestBase, StreamBaseUri = TestnetStreamBase };

    /// <summary>A Binance-compatible server serving REST and WebSocket on one address, such as <c>platform exchange simulate</c>.</summary>
    public static BinanceClientOptions ForServer(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        var rest = WithSlash(baseUri);
        var stream = new UriBuilder(rest) { Scheme = rest.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        return new BinanceClientOptions { RestBaseUri = rest, StreamBaseUri = stream };
    }

    /// <summary>Throws <see cref="BinanceConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (RestBaseUri is null || !RestBaseUri.IsAbsoluteUri || RestBaseUri.Scheme is not ("http" or "https"))
        {
            throw new BinanceConfigurationException($"REST base URL '{RestBaseUri}' must be an absolute http:// or https:// address.");
        }

        if (StreamBaseUri is null || !StreamBaseUri.IsAbsoluteUri || StreamBaseUri.Scheme is not ("ws" or "wss"))
        {
            throw new BinanceConfigurationException($"Stream base URL '{StreamBaseUri}' must be an absolute ws:// or wss:// address.");
        }

        if (MaxRetries is < 0 or > 20)
        {
            throw new BinanceConfigurationException($"MaxRetries must be between 0 and 20, got {MaxRetries}.");
        }

        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff || MaxRetryAfter < TimeSpan.Zero)
        {
            throw new BinanceConfigurationException("Backoff delays must be non-negative and MaxBackoff must be at least InitialBackoff.");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new BinanceConfigurationException("RequestTimeout must be positive.");
        }

        if (RequestWeightPerMinute < 1 || WeightBudgetFraction is <= 0 or > 1)
        {
            throw new BinanceConfigurationException("RequestWeightPerMinute must be positive and WeightBudgetFraction in (0, 1].");
        }
    }

    internal static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
