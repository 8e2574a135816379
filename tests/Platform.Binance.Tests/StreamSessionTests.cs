namespace Platform.Binance.Tests;

/// <summary>The stream session against the simulator, each fault mode included: the sink ends exact.</summary>
public sealed class StreamSessionTests : IDisposable
{
    private readonly HttpClient http = new();

    public void Dispose() => http.Dispose();

    private async Task<(RecordingSink Sink, BinanceStreamStatus Status)> StreamToEndAsync(Platform.Exchange.Simulator.ExchangeSimulator simulator, Action<BinanceStreamOptions>? configure = null, Action<BinanceClientOptions>? client = null)
    {
        var sink = new RecordingSink();
        var session = Harness.Session(Harness.Rest(simulator, http, configure: client), sink, configure: configure);
        using var stop = new CancellationTokenSource();
        var run = session.RunAsync(stop.Token);
        var last = Harness.Symbols.ToDictionary(s => s, s => simulator.ReplayedKlines(s)[^1].OpenTime);
        await Harness.WaitUntilAsync(
            () => simulator.Status.Finished && Harness.Symbols.All(s => session.Status.LastClosedOpenTime.GetValueOrDefault(s) == last[s]) || run.IsCompleted,
            () => $"the session has every symbol's last replayed kline; session {Describe(session.Status)}; simulator {simulator.Status}");
        await stop.CancelAsync();
        await run;
        return (sink, session.Status);
    }

    private static string Describe(BinanceStreamStatus status) =>
        status + " last: " + string.Join(", ", status.LastClosedOpenTime.Select(p => $"{p.Key}={p.Value:u}"));

    [Fact]
    public async Task Run_NoFaults_DeliversEveryClosedKlineOnceAndPartialsBeforeIt()
    {
        await using var simulator = await Harness.StartSimulatorAsync();

        var (sink, status) = await StreamToEndAsync(simulator);

        Harness.AssertExactlyReplayed(simulator, sink);
        Assert.Empty(sink.DeadLetters);
        Assert.Equal(0, status.Reconnects);
        var closedAt = sink.Closed.ToDictionary(k => (k.Symbol, k.Kline.OpenTime), k => k);
        var klines = sink.Klines.ToList();
        Assert.All(klines.Where(k => !k.IsClosed), partial =>
            Assert.True(klines.IndexOf(partial) < klines.IndexOf(closedAt[(partial.Symbol, partial.Kline.OpenTime)])));
        // Three updates per interval, except for klines the connect-time backfill already delivered (their updates are stale).
        Assert.InRange(klines.Count(k => !k.IsClosed), 3 * (sink.Closed.Count - status.BackfilledKlines), 3 * sink.Closed.Count);
    }

    [Fact]
    public async Task Run_DropMalformedDuplicate_SinkExactAndEveryMalformedFrameDeadLettered()
    {
        await using var simulator = await Harness.StartSimulatorAsync("drop=500,malformed=1000,duplicate=300");

        var (sink, status) = await StreamToEndAsync(simulator);

        Harness.AssertExactlyReplayed(simulator, sink);
        var injected = simulator.Status;
        Assert.True(injected.Dropped >= 5 && injected.Malformed >= 3 && injected.Duplicated >= 5, $"faults injected: {injected}");
        Assert.Equal(injected.Malformed, sink.DeadLetters.Count);
        Assert.All(sink.DeadLetters, d => Assert.False(string.IsNullOrWhiteSpace(d.Reason)));
        Assert.All(sink.DeadLetters, d => Assert.False(string.IsNullOrEmpty(d.RawPayload)));
        Assert.Contains(sink.DeadLetters, d => d.Reason.StartsWith("malformed message: not JSON", StringComparison.Ordinal));
        Assert.Contains(sink.DeadLetters, d => d.Reason.Contains("OhlcInconsistent", StringComparison.Ordinal));
        Assert.True(status.Reconnects >= injected.Dropped);
        Assert.True(status.BackfilledKlines > 0);
        Assert.Equal(injected.Malformed, status.DeadLettered);
    }

    [Fact]
    public async Task Run_OutOfOrderAndDelayedEvents_AbsorbedWithoutLossOrDoubles()
    {
        await using var simulator = await Harness.StartSimulatorAsync("outoforder=7,duplicate=5,delay=0");

        var (sink, status) = await StreamToEndAsync(simulator);

        Harness.AssertExactlyReplayed(simulator, sink);
        Assert.True(simulator.Status.Reordered > 100);
        Assert.True(status.DuplicatesAbsorbed > 0);
    }

    [Fact]
    public async Task Run_ServerShutdown_ReconnectsAtOnceAndLosesNothing()
    {
        await using var simulator = await Harness.StartSimulatorAsync("shutdown=400");

        var (sink, status) = await StreamToEndAsync(simulator);

        Harness.AssertExactlyReplayed(simulator, sink);
        Assert.True(simulator.Status.Shutdowns >= 5);
        Assert.True(status.Reconnects >= simulator.Status.Shutdowns);
    }

    [Fact]
    public async Task Run_MicrosecondStreams_SameKlines()
    {
        await using var simulator = await Harness.StartSimulatorAsync(to: Harness.From.AddDays(4));

        var (sink, _) = await StreamToEndAsync(simulator, client: o => o.TimeUnit = BinanceTimeUnit.Microsecond);

        Harness.AssertExactlyReplayed(simulator, sink);
    }

    [Fact]
    public async Task Run_RestartAfterAGap_BackfillsFromTheCheckpointWithoutOverlap()
    {
        // At a fixed speed the replay goes on while no client is connected: the second session must fetch the gap.
        await using var simulator = await Harness.StartSimulatorAsync(speed: "20", to: Harness.From.AddDays(6));
        var first = new RecordingSink();
        var session = Harness.Session(Harness.Rest(simulator, http), first);
        using (var stop = new CancellationTokenSource())
        {
            var run = session.RunAsync(stop.Token);
            await Harness.WaitUntilAsync(() => first.ClosedCount("BTCUSDT") >= 3 && first.ClosedCount("ETHUSDT") >= 3, () => $"the first session streamed a few klines; {Describe(session.Status)}");
            await stop.CancelAsync();
            await run;
        }

        var clockAtStop = simulator.Status.Clock;
        await Task.Delay(500);
        var second = new RecordingSink();
        var resumed = Harness.Session(Harness.Rest(simulator, http), second, (symbol, _, _) => ValueTask.FromResult(first.LastClosed(symbol)));
        using (var stop = new CancellationTokenSource())
        {
            var run = resumed.RunAsync(stop.Token);
            var last = Harness.Symbols.ToDictionary(s => s, s => simulator.ReplayedKlines(s)[^1].OpenTime);
            await Harness.WaitUntilAsync(() => Harness.Symbols.All(s => resumed.Status.LastClosedOpenTime.GetValueOrDefault(s) == last[s]), () => $"the resumed session reached the end; {Describe(resumed.Status)}; simulator {simulator.Status}");
            await stop.CancelAsync();
            await run;
        }

        var combined = new RecordingSink();
        foreach (var k in first.Closed.Concat(second.Closed))
        {
            await combined.PublishAsync(k);
        }

        Harness.AssertExactlyReplayed(simulator, combined);
        Assert.True(clockAtStop < simulator.Status.To, "the first session stopped before the replay ended");
        Assert.True(resumed.Status.BackfilledKlines > 0);
        Assert.All(second.Closed, k => Assert.True(k.Kline.OpenTime > first.LastClosed(k.Symbol)));
    }

    [Fact]
    public async Task Run_ServerPingsWithShortPongTimeout_ConnectionStaysUp()
    {
        // The simulator drops a connection whose pong (carrying the ping's payload) does not come back in 300 ms.
        await using var simulator = await Harness.StartSimulatorAsync(speed: "100", to: Harness.From.AddDays(2), configure: o => (o.PingInterval, o.PongTimeout) = (TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300)));

        var (sink, status) = await StreamToEndAsync(simulator);

        Harness.AssertExactlyReplayed(simulator, sink);
        Assert.Equal(0, status.Reconnects);
    }

    [Fact]
    public async Task Run_UnknownSymbol_FailsWithBinancesError()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var session = Harness.Session(Harness.Rest(simulator, http), new RecordingSink(), configure: o => o.Symbols = ["BTCUSDT", "DOGEUSDT"]);

        var e = await Assert.ThrowsAsync<BinanceApiException>(() => session.RunAsync());

        Assert.Equal(-1121, e.Code);
        Assert.Contains("DOGEUSDT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidStreamOptions_ThrowNamingTheProblem()
    {
        var rest = new BinanceRestClient(http, new BinanceClientOptions());
        var sink = new RecordingSink();

        Assert.Throws<BinanceConfigurationException>(() => Harness.Session(rest, sink, configure: o => o.Symbols = []));
        Assert.Throws<BinanceConfigurationException>(() => Harness.Session(rest, sink, configure: o => o.Symbols = ["BTC-USDT"]));
        var e = Assert.Throws<BinanceConfigurationException>(() => Harness.Session(rest, sink, configure: o => o.MaxConnectionLifetime = TimeSpan.FromHours(25)));
        Assert.Contains("24 hours", e.Message, StringComparison.Ordinal);
    }
}
