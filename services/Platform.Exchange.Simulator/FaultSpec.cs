using System.Globalization;
using System.Text;

namespace Platform.Exchange.Simulator;

/// <summary>
/// Faults the simulator injects, parsed from <c>--faults</c>: comma-separated <c>name=value</c> pairs. Stream counts run
/// over all kline events the server sends, across connections (N = every N-th event):
/// <list type="bullet">
/// <item><c>drop=N</c>: abort the connection instead of sending the N-th event (it is lost; the client must backfill).</item>
/// <item><c>malformed=N</c>: send a corrupted frame before the N-th event (rotating: truncated JSON, a non-numeric price, high below low, not JSON).</item>
/// <item><c>duplicate=N</c>: send the N-th event twice.</item>
/// <item><c>outoforder=N</c>: hold the N-th event back and send it after the next one.</item>
/// <item><c>shutdown=N</c>: after the N-th event send <c>serverShutdown</c> and close the connection.</item>
/// <item><c>delay=MS</c>: delay every event by MS milliseconds.</item>
/// <item><c>lifetime=S</c>: close every connection S seconds after it opened (Binance: 24 hours).</item>
/// </list>
/// REST counts are over all REST requests: <c>rest429=N</c>, <c>rest418=N</c> (answered with <c>Retry-After</c>
/// <c>retryafter=S</c> seconds, default 1) and <c>rest5xx=N</c> (503, code -1001).
/// Order faults count new orders (<c>POST /api/v3/order</c>): <c>order5xx=N</c> accepts the N-th order, then answers
/// 503; <c>ordertimeout=N</c> accepts it, then hangs <c>hang=S</c> seconds (default 30, past a client's timeout);
/// <c>reject2010=N</c> refuses it with -2010; <c>order429=N</c> answers the N-th order and the <c>burst=K</c>-1 after
/// it (default 3 in all) with 429 -1015 and Retry-After.
/// </summary>
public sealed record FaultSpec
{
    public static FaultSpec None { get; } = new();

    public int Drop { get; init; }

    public int Malformed { get; init; }

    public int Duplicate { get; init; }

    public int OutOfOrder { get; init; }

    public int Shutdown { get; init; }

    public TimeSpan Delay { get; init; }

    public TimeSpan? Lifetime { get; init; }

    public int Rest429 { get; init; }

    public int Rest418 { get; init; }

    public int Rest5xx { get; init; }

    public int RetryAfterSeconds { get; init; } = 1;

    public int Order5xx { get; init; }

    public int OrderTimeout { get; init; }

    public TimeSpan Hang { get; init; } = TimeSpan.FromSeconds(30);

    public int Reject2010 { get; init; }

    public int Order429 { get; init; }

    public int Burst { get; init; } = 3;

    public bool Any => this != None;

    /// <summary>Parses e.g. <c>drop=500,malformed=1000,duplicate=300</c>; empty or null means no faults.</summary>
    public static FaultSpec Parse(string? spec)
    {
        var faults = new FaultSpec();
        if (string.IsNullOrWhiteSpace(spec))
        {
            return faults;
        }

        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw new FormatException($"--faults: '{part}' is not name=N with N a non-negative integer.");
            }

            if (n < 1 && pair[0] is not ("delay" or "retryafter" or "hang"))
            {
                throw new FormatException($"--faults: {pair[0]} must be at least 1 (every N-th message), got {n}.");
            }

            faults = pair[0].ToLowerInvariant() switch
            {
                "drop" => faults with { Drop = n },
                "malformed" => faults with { Malformed = n },
                "duplicate" => faults with { Duplicate = n },
                "outoforder" => faults with { OutOfOrder = n },
                "shutdown" => faults with { Shutdown = n },
                "delay" => faults with { Delay = TimeSpan.FromMilliseconds(n) },
                "lifetime" => faults with { Lifetime = TimeSpan.FromSeconds(n) },
                "rest429" => faults with { Rest429 = n },
                "rest418" => faults with { Rest418 = n },
                "rest5xx" => faults with { Rest5xx = n },
                "retryafter" => faults with { RetryAfterSeconds = n },
                "order5xx" => faults with { Order5xx = n },
                "ordertimeout" => faults with { OrderTimeout = n },
                "hang" => faults with { Hang = TimeSpan.FromSeconds(n) },
                "reject2010" => faults with { Reject2010 = n },
                "order429" => faults with { Order429 = n },
                "burst" => faults with { Burst = n },
                _ => throw new FormatException($"--faults: unknown fault '{pair[0]}' (known: drop, malformed, duplicate, outoforder, shutdown, delay, lifetime, rest429, rest418, rest5xx, retryafter, order5xx, ordertimeout, hang, reject2010, order429, burst)."),
            };
        }

        return faults;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        void Add(string name, long value)
        {
            if (value > 0)
            {
                text.Append(text.Length > 0 ? "," : "").Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        Add("drop", Drop);
        Add("malformed", Malformed);
        Add("duplicate", Duplicate);
        Add("outoforder", OutOfOrder);
        Add("shutdown", Shutdown);
        Add("delay", (long)Delay.TotalMilliseconds);
        Add("lifetime", (long)(Lifetime?.TotalSeconds ?? 0));
        Add("rest429", Rest429);
        Add("rest418", Rest418);
        Add("rest5xx", Rest5xx);
        Add("order5xx", Order5xx);
        Add("ordertimeout", OrderTimeout);
        Add("reject2010", Reject2010);
        Add("order429", Order429);
        if (Rest429 > 0 || Rest418 > 0 || Order429 > 0)
        {
            Add("retryafter", RetryAfterSeconds);
        }

        if (OrderTimeout > 0)
        {
            Add("hang", (long)Hang.TotalSeconds);
        }

        if (Order429 > 0)
        {
            Add("burst", Burst);
        }

        return text.Length == 0 ? "none" : text.ToString();
    }
}
