namespace Platform.Binance.Trading;

/// <summary>Which exchange the trading client talks to. Live is only reachable with <see cref="BinanceTradingOptions.AllowLive"/>.</summary>
public enum BinanceTradingMode
{
    /// <summary><c>platform exchange simulate</c> (default).</summary>
    Simulator,

    /// <summary>Binance's spot testnet (test funds).</summary>
    Testnet,

    /// <summary>Binance production: real money.</summary>
    Live,
}

/// <summary>Settings of <see cref="BinanceTradingClient"/>; validated when the client is built.</summary>
public sealed class BinanceTradingOptions
{
    public static readonly Uri SimulatorBase = new("http://127.0.0.1:9443/");

    public static readonly Uri TestnetBase = new("https://testnet.binance.vision/");

    public static readonly Uri LiveBase = new("https://api.binance.com/");

    public BinanceTradingMode Mode { get; set; } = BinanceTradingMode.Simulator;

    /// <summary>Overrides the mode's address (e.g. a simulator on another port). Live still needs <see cref="AllowLive"/>.</summary>
    public Uri? BaseUri { get; set; }

    /// <summary>Must be set, explicitly, for <see cref="BinanceTradingMode.Live"/>: no default configuration reaches real money.</summary>
    public bool AllowLive { get; set; }

    /// <summary>How long after <c>timestamp</c> the server may still execute the request (Binance: default 5 s, at most 60 s).</summary>
    public TimeSpan RecvWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for one request. An order without an answer in this time has status unknown.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of read-only requests (queries, account) after 5XX, transport failures and 429 (never of order writes).</summary>
    public int MaxReadRetries { get; set; } = 4;

    /// <summary>Longest Retry-After a read waits out; longer ones fail with <see cref="BinanceErrorKind.RateLimited"/>/<see cref="BinanceErrorKind.Banned"/>.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Where the server's request clock is read for <c>timestamp</c>. Binance: <c>api/v3/time</c>. The simulator's
    /// <c>api/v3/time</c> is the replay's market clock, so its request clock is <c>sim/time</c>.
    /// </summary>
    public string TimeSyncPath => Mode == BinanceTradingMode.Simulator ? "sim/time" : "api/v3/time";

    public Uri ResolvedBaseUri => BinanceClientOptions.WithSlash(BaseUri ?? Mode switch
    {
        BinanceTradingMode.Testnet => TestnetBase,
        BinanceTradingMode.Live => LiveBase,
        _ => SimulatorBase,
    });

    /// <summary>Throws <see cref="BinanceConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Mode == BinanceTradingMode.Live && !AllowLive)
        {
            throw new BinanceConfigurationException("Live trading needs AllowLive = true, set explicitly: the default configuration never reaches real money.");
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new BinanceConfigurationException($"Unknown trading mode {Mode}.");
        }

        var uri = ResolvedBaseUri;
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https"))
        {
            throw new BinanceConfigurationException($"Trading base URL '{uri}' must be an absolute http:// or https:// address.");
        }

        if (Mode != BinanceTradingMode.Simulator && uri.Scheme != "https")
        {
            throw new BinanceConfigurationException($"{Mode} trading needs https (got '{uri}').");
        }

        if (RecvWindow <= TimeSpan.Zero || RecvWindow > TimeSpan.FromSeconds(60))
        {
            throw new BinanceConfigurationException($"RecvWindow must be in (0, 60 s] (Binance's limit), got {RecvWindow}.");
        }

        if (RequestTimeout <= TimeSpan.Zero || MaxReadRetries is < 0 or > 20 || MaxRetryAfter < TimeSpan.Zero || InitialBackoff < TimeSpan.Zero)
        {
            throw new BinanceConfigurationException("RequestTimeout must be positive, MaxReadRetries 0..20, MaxRetryAfter and InitialBackoff non-negative.");
        }
    }
}
