namespace Platform.Exchange.Simulator;

/// <summary>One trader's hold: the clock may reach the close of the symbol's bar <see cref="NextBar"/>, not beyond.</summary>
internal sealed record ClockHold(string Name, string Symbol, DateTimeOffset NextBar, DateTimeOffset Touched);

/// <summary>
/// Holds on the replay clock (<c>PUT /sim/v1/holds/{name}</c>): a trader that acts on each closed bar of a symbol — the
/// execution service sending the bar's market order — holds the clock at that bar's close until it says the bar is
/// done, so the order fills at the bar's close as in the backtest, however fast the replay runs. A bar the data lacks
/// is not waited for; a hold its holder stopped renewing expires after the timeout, so the replay never stalls for good.
/// </summary>
internal sealed class ClockHolds(MarketReplay replay, TimeSpan timeout)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ClockHold> holds = new(StringComparer.Ordinal);
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Creates or renews a hold. <paramref name="doneThrough"/>: every bar opening at or before it is done (never moves
    /// back); without it a new hold waits for the bar forming at the clock.
    /// </summary>
    public ClockHold Put(string name, string symbol, DateTimeOffset? doneThrough)
    {
        lock (gate)
        {
            var now = DateTimeOffset.UtcNow;
            var next = doneThrough is { } done ? done + replay.Interval.Length : (DateTimeOffset?)null;
            var hold = holds.TryGetValue(name, out var existing)
                ? existing with { NextBar = next is { } n && n > existing.NextBar ? n : existing.NextBar, Touched = now }
                : new ClockHold(name, symbol, next ?? replay.Interval.Floor(replay.Clock), now);
            holds[name] = hold;
            Signal();
            return hold;
        }
    }

    public bool Remove(string name)
    {
        lock (gate)
        {
            var removed = holds.Remove(name);
            Signal();
            return removed;
        }
    }

    /// <summary>Waits until no hold keeps the clock from moving to <paramref name="next"/>.</summary>
    public async Task WaitAsync(DateTimeOffset next, CancellationToken cancellationToken)
    {
        var counted = false;
        while (true)
        {
            Task wake;
            TimeSpan expiresIn;
            lock (gate)
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var stale in holds.Values.Where(h => now - h.Touched > timeout).ToList())
                {
                    holds.Remove(stale.Name);
                    Interlocked.Increment(ref replay.Stats.HoldsExpired);
                }

                var blocking = holds.Values.Where(h => replay.NextClose(h.Symbol, h.NextBar) is { } close && next > close).ToList();
                if (blocking.Count == 0)
                {
                    return;
                }

                wake = changed.Task;
                expiresIn = blocking.Min(h => h.Touched + timeout - now) + TimeSpan.FromMilliseconds(1);
            }

            if (!counted)
            {
                counted = true;
                Interlocked.Increment(ref replay.Stats.HoldWaits);
            }

            await Task.WhenAny(wake, Task.Delay(expiresIn > TimeSpan.Zero ? expiresIn : TimeSpan.FromMilliseconds(1), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void Signal()
    {
        var previous = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
