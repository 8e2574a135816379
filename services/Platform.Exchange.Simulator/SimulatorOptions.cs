using Platform.Domain;
using System.Globalization;
using System.Net;
using Platform.Domain.MarketData;

namespace Platform.Exchange.Simulator;

/// <summary>Replay pace: simulated hours per wall-clock second, Binance's own pace, or as fast as clients consume.</summary>
public readonly record struct ReplaySpeed(double HoursPerSecond)
{
    /// <summary>As fast as the connected clients consume; the replay clock waits while no client is connected.</summary>
    public static ReplaySpeed Max { get; } = new(double.PositiveInfinity);

    /// <summary>One simulated hour per wall-clock hour, Binance's pace.</summary>
    public static ReplaySpeed Realtime { get; } = new(1.0 / 3600);

    public bool IsMax => double.IsPositiveInfinity(HoursPerSecond);

    /// <summary>Parses <c>max</c>, <c>realtime</c> or a positive number of hours per second (e.g. <c>1</c>, <c>24</c>, <c>0.5</c>).</summary>
    public static ReplaySpeed Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "max" => Max,
            "realtime" => Realtime,
            var t when double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h > 0 && double.IsFinite(h) => new ReplaySpeed(h),
            _ => throw new FormatException($"--speed: '{text}' is not max, realtime or a positive number of hours per second."),
        };
    }

    public override string ToString() => IsMax ? "max" : HoursPerSecond == Realtime.HoursPerSecond ? "realtime" : HoursPerSecond.ToString(CultureInfo.InvariantCulture) + " h/s";
}

/// <summary>Settings of the simulated exchange (<c>platform exchange simulate</c>).</summary>
public sealed class SimulatorOptions
{
    /// <summary>Directory of kline files in the bundled layout (one file or archive set per symbol).</summary>
    public string DataDirectory { get; set; } = "";

    public KlineInterval Interval { get; set; } = KlineInterval.OneHour;

    /// <summary>Replay start (the clock starts here); null: the first kline of the data.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Replay end, exclusive (the clock stops here); null: after the last kline of the data.</summary>
    public DateTimeOffset? To { get; set; }

    public ReplaySpeed Speed { get; set; } = new(1);

    /// <summary>Updates of the forming kline sent during each interval before its closed event.</summary>
    public int PartialUpdatesPerKline { get; set; } = 3;

    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free port (see <see cref="ExchangeSimulator.BaseAddress"/>).</summary>
    public int Port { get; set; } = 9443;

    public FaultSpec Faults { get; set; } = FaultSpec.None;

    /// <summary>Request weight per minute before REST answers 429 (Binance: 6000).</summary>
    public int WeightLimitPerMinute { get; set; } = 6000;

    /// <summary>The server pings every connection at this interval and drops it when no pong comes within <see cref="PongTimeout"/> (Binance: 20 s and 1 minute).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events queued per connection; at a fixed speed a client that falls this far behind is disconnected, as Binance does.</summary>
    public int ConnectionBuffer { get; set; } = 4096;

    public bool LogToConsole { get; set; }

    /// <summary>A clock hold not moved or renewed for this long is dropped (its holder is gone), so the replay never stalls for good.</summary>
    public TimeSpan HoldTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The spot account, keys and matching rules of the trading endpoints.</summary>
    public Trading.SimulatorTradingOptions Trading { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory) || !Directory.Exists(DataDirectory))
        {
            throw new InvalidRequestException($"--data: directory '{DataDirectory}' does not exist.");
        }

        if (From is { } from && To is { } to && to <= from)
        {
            throw new InvalidRequestException($"--to {to:O} must be after --from {from:O}.");
        }

        if (Port is < 0 or > 65535)
        {
            throw new InvalidRequestException($"--port must be between 0 and 65535, got {Port}.");
        }

        if (ParseHost(Host) is null)
        {
            throw new InvalidRequestException($"--host '{Host}' is not an IP address or 'localhost'.");
        }

        if (PartialUpdatesPerKline is < 0 or > 1000 || WeightLimitPerMinute < 1 || ConnectionBuffer < 1)
        {
            throw new InvalidRequestException("PartialUpdatesPerKline must be 0..1000; WeightLimitPerMinute and ConnectionBuffer must be positive.");
        }

        if (PingInterval <= TimeSpan.Zero || PongTimeout <= TimeSpan.Zero || HoldTimeout <= TimeSpan.Zero)
        {
            throw new InvalidRequestException("PingInterval, PongTimeout and HoldTimeout must be positive.");
        }

        Trading.Validate();
    }

    internal static IPAddress? ParseHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : null;
}
