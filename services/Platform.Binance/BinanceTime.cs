using System.Globalization;

namespace Platform.Binance;

/// <summary>Unit of the timestamps Binance sends and accepts: milliseconds by default, microseconds on request.</summary>
public enum BinanceTimeUnit
{
    Millisecond,
    Microsecond,
}

/// <summary>Binance's Unix timestamps in ms or µs, both directions.</summary>
public static class BinanceTime
{
    /// <summary>
    /// Reads a Unix timestamp whose unit is decided per value (ms have 13 digits until the year 2286, µs have 16), as
    /// data.binance.vision and the APIs mix both. Null when the value is neither.
    /// </summary>
    public static DateTimeOffset? FromUnix(long value) => value switch
    {
        >= 100_000_000_000_000 and < 10_000_000_000_000_000 => DateTimeOffset.UnixEpoch.AddTicks(value * 10),
        >= 100_000_000_000 and < 100_000_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(value),
        _ => null,
    };

    public static long ToUnix(DateTimeOffset time, BinanceTimeUnit unit) => unit == BinanceTimeUnit.Microsecond
        ? (time - DateTimeOffset.UnixEpoch).Ticks / 10
        : time.ToUnixTimeMilliseconds();

    internal static string ToQuery(DateTimeOffset time, BinanceTimeUnit unit) => ToUnix(time, unit).ToString(CultureInfo.InvariantCulture);
}
