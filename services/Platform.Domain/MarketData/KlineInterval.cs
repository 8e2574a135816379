using System.Globalization;

namespace Platform.Domain.MarketData;

/// <summary>A Binance kline interval such as "1h": its code and its length.</summary>
public readonly record struct KlineInterval(string Code, TimeSpan Length)
{
    public static KlineInterval OneHour { get; } = new("1h", TimeSpan.FromHours(1));

    /// <summary>How many intervals fit in a 365-day year; used to annualise ratios.</summary>
    public double PeriodsPerYear => TimeSpan.FromDays(365).TotalSeconds / Length.TotalSeconds;

    public override string ToString() => Code;

    /// <summary>The open time of the kline that contains <paramref name="time"/> (intervals up to a day, aligned to UTC midnight).</summary>
    public DateTimeOffset Floor(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % Length.Ticks), TimeSpan.Zero);

    /// <summary>Parses Binance interval codes: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w.</summary>
    public static KlineInterval Parse(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length >= 2 && int.TryParse(code.AsSpan(0, code.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? length = code[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                'w' => TimeSpan.FromDays(7 * n),
                _ => null,
            };
            if (length is { } l)
            {
                return new KlineInterval(code, l);
            }
        }

        throw new InvalidRequestException($"Unknown kline interval '{code}' (expected e.g. 1m, 15m, 1h, 4h, 1d).");
    }
}
