using System.Text.RegularExpressions;
using Platform.Domain.MarketData;

namespace Platform.Binance;

/// <summary>What a <see cref="BinanceKlineStreamSession"/> streams and how it reconnects.</summary>
public sealed partial class BinanceStreamOptions
{
    /// <summary>Binance's limit of streams on one connection.</summary>
    public const int MaxStreamsPerConnection = 1024;

    /// <summary>Symbols to stream, e.g. BTCUSDT (case-insensitive; kept upper-case).</summary>
    public IList<string> Symbols { get; set; } = [];

    public KlineInterval Interval { get; set; } = KlineInterval.OneHour;

    /// <summary>Also deliver the updates of the kline still forming (<c>x = false</c>); closed klines are always delivered.</summary>
    public bool IncludePartialKlines { get; set; } = true;

    /// <summary>
    /// Where the gap backfill starts for a symbol the checkpoint knows nothing of (open time, inclusive). Null: such a
    /// symbol starts with what the stream sends.
    /// </summary>
    public DateTimeOffset? BackfillFrom { get; set; }

    /// <summary>First wait before reconnecting after a failure; doubled per consecutive failure with jitter.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Connection attempts allowed in any 5 minutes. Binance allows 300 per IP; the default leaves most of that to
    /// other processes on the same address.
    /// </summary>
    public int MaxConnectAttemptsPer5Minutes { get; set; } = 50;

    /// <summary>Binance closes a connection after 24 hours; the session reconnects on its own before that.</summary>
    public TimeSpan MaxConnectionLifetime { get; set; } = TimeSpan.FromHours(23);

    /// <summary>Client pings at this interval; no pong within <see cref="KeepAliveTimeout"/> counts as a dead connection.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages received but not yet processed (during a backfill, say) before reading pauses.</summary>
    public int ReceiveBufferMessages { get; set; } = 8192;

    /// <summary>Publishes awaiting the sink's acknowledgement at once; order is kept, the window only hides latency.</summary>
    public int MaxPublishesInFlight { get; set; } = 512;

    /// <summary>Throws <see cref="BinanceConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Symbols is null || Symbols.Count == 0)
        {
            throw new BinanceConfigurationException("At least one symbol is required.");
        }

        if (Symbols.Count > MaxStreamsPerConnection)
        {
            throw new BinanceConfigurationException($"Binance allows {MaxStreamsPerConnection} streams per connection; {Symbols.Count} symbols were given.");
        }

        foreach (var symbol in Symbols)
        {
            if (symbol is null || !SymbolPattern().IsMatch(symbol))
            {
                throw new BinanceConfigurationException($"'{symbol}' is not a Binance symbol (letters and digits, e.g. BTCUSDT).");
            }
        }

        if (Symbols.Select(s => s.ToUpperInvariant()).Distinct().Count() != Symbols.Count)
        {
            throw new BinanceConfigurationException("Symbols must not repeat.");
        }

        if (Interval.Length <= TimeSpan.Zero)
        {
            throw new BinanceConfigurationException("The kline interval must be positive.");
        }

        if (ReconnectInitialDelay < TimeSpan.Zero || ReconnectMaxDelay < ReconnectInitialDelay)
        {
            throw new BinanceConfigurationException("Reconnect delays must be non-negative and ReconnectMaxDelay at least ReconnectInitialDelay.");
        }

        if (MaxConnectAttemptsPer5Minutes is < 1 or > 300)
        {
            throw new BinanceConfigurationException($"MaxConnectAttemptsPer5Minutes must be between 1 and Binance's 300, got {MaxConnectAttemptsPer5Minutes}.");
        }

        if (MaxConnectionLifetime <= TimeSpan.Zero || MaxConnectionLifetime >= TimeSpan.FromHours(24))
        {
            throw new BinanceConfigurationException("MaxConnectionLifetime must be positive and below Binance's 24 hours.");
        }

        if (KeepAliveInterval <= TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new BinanceConfigurationException("KeepAliveInterval, KeepAliveTimeout and ConnectTimeout must be positive.");
        }

        if (ReceiveBufferMessages < 1 || MaxPublishesInFlight < 1)
        {
            throw new BinanceConfigurationException("ReceiveBufferMessages and MaxPublishesInFlight must be positive.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9]{2,20}$")]
    private static partial Regex SymbolPattern();
}
