using System.Globalization;

namespace Platform.Exchange.Simulator.Trading;

internal enum OrderFault
{
    None,
    AcceptThen5xx,
    AcceptThenTimeout,
    Reject2010,
}

internal sealed record OrderRateLimit(ExchangeError Error, int RetryAfterSeconds);

/// <summary>
/// The ORDERS rate limit (per 10 s and per day, wall clock) and the injected order faults of <see cref="FaultSpec"/>,
/// counted over new orders.
/// </summary>
internal sealed class OrderFaults(FaultSpec faults, SimulatorTradingOptions options)
{
    private readonly object gate = new();
    private readonly Queue<DateTimeOffset> recent = new();
    private long day = -1;
    private int dayCount;
    private long orders;
    private long burstCounter;
    private int burstLeft;

    public TimeSpan Hang => faults.Hang;

    /// <summary>Counts a new order; a rate-limit refusal (real or an injected 429 burst) when it may not be placed.</summary>
    public (int Count10s, int CountDay, OrderRateLimit? Limited) TakeOrder()
    {
        lock (gate)
        {
            var now = DateTimeOffset.UtcNow;
            while (recent.Count > 0 && now - recent.Peek() >= TimeSpan.FromSeconds(10))
            {
                recent.Dequeue();
            }

            var today = now.ToUnixTimeSeconds() / 86_400;
            if (today != day)
            {
                (day, dayCount) = (today, 0);
            }

            if (burstLeft > 0 || (faults.Order429 > 0 && ++burstCounter % faults.Order429 == 0))
            {
                burstLeft = burstLeft > 0 ? burstLeft - 1 : faults.Burst - 1;
                return (recent.Count, dayCount, new OrderRateLimit(new ExchangeError(429, -1015, $"Too many new orders; current limit is {options.OrdersPer10Seconds} orders per TEN_SECONDS. (injected fault)"), faults.RetryAfterSeconds));
            }

            if (recent.Count >= options.OrdersPer10Seconds)
            {
                var wait = (int)Math.Ceiling((recent.Peek() + TimeSpan.FromSeconds(10) - now).TotalSeconds);
                return (recent.Count, dayCount, new OrderRateLimit(new ExchangeError(429, -1015, $"Too many new orders; current limit is {options.OrdersPer10Seconds.ToString(CultureInfo.InvariantCulture)} orders per TEN_SECONDS."), Math.Max(1, wait)));
            }

            if (dayCount >= options.OrdersPerDay)
            {
                return (recent.Count, dayCount, new OrderRateLimit(new ExchangeError(429, -1015, $"Too many new orders; current limit is {options.OrdersPerDay.ToString(CultureInfo.InvariantCulture)} orders per DAY."), (int)(86_400 - (now.ToUnixTimeSeconds() % 86_400))));
            }

            recent.Enqueue(now);
            dayCount++;
            return (recent.Count, dayCount, null);
        }
    }

    /// <summary>The fault, if any, the next accepted-for-processing order gets (each fault counts its own N-th).</summary>
    public OrderFault NextOrderFault()
    {
        var n = Interlocked.Increment(ref orders);
        return faults.Reject2010 > 0 && n % faults.Reject2010 == 0 ? OrderFault.Reject2010
            : faults.Order5xx > 0 && n % faults.Order5xx == 0 ? OrderFault.AcceptThen5xx
            : faults.OrderTimeout > 0 && n % faults.OrderTimeout == 0 ? OrderFault.AcceptThenTimeout
            : OrderFault.None;
    }
}
