using Platform.Domain.MarketData;

namespace Platform.Binance.Tests;

/// <summary>The REST client against the simulator: paging, errors, Retry-After, 5XX backoff, weight pacing, µs.</summary>
public sealed class RestClientTests : IDisposable
{
    private readonly HttpClient http = new();

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task PingTimeExchangeInfo_Simulator_AnswerLikeBinance()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var rest = Harness.Rest(simulator, http);

        await rest.PingAsync();
        var time = await rest.GetServerTimeAsync();
        var info = await rest.GetExchangeInfoAsync(["BTCUSDT", "ETHUSDT"]);

        Assert.Equal(Harness.From, time);
        Assert.Equal(["BTCUSDT", "ETHUSDT"], info.Symbols.Select(s => s.Symbol));
        Assert.Equal(("BTC", "USDT", "TRADING"), (info.Symbols[0].BaseAsset, info.Symbols[0].QuoteAsset, info.Symbols[0].Status));
        Assert.Contains(info.RateLimits, l => l is { RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", Limit: 6000 });
        Assert.True(rest.UsedWeight >= 22);
    }

    [Fact]
    public async Task GetKlineRange_SeveralPagesUpToTheClock_ReturnsEveryKlineOnce()
    {
        // The replay starts at the end of the window, so the REST history before it is all closed.
        var clock = new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await using var simulator = await Harness.StartSimulatorAsync(from: clock, to: clock.AddDays(1));
        var rest = Harness.Rest(simulator, http);

        var rows = await rest.GetKlineRangeAsync("BTCUSDT", KlineInterval.OneHour, Harness.From, clock).ToListAsync();

        var expected = Platform.MarketData.MarketDataLoader.LoadDirectory(Platform.MarketData.MarketDataLoader.BundledDirectory, KlineInterval.OneHour, ["BTCUSDT"])
            .Data["BTCUSDT"].Klines.Where(k => k.OpenTime >= Harness.From && k.OpenTime < clock).ToList();
        Assert.True(expected.Count > 1000);
        Assert.Equal(expected, rows.Select(r => r.Kline));
        Assert.StartsWith("[", rows[0].RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKlines_NeverBeyondTheReplayClock()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var rest = Harness.Rest(simulator, http);

        var rows = await rest.GetKlinesAsync("BTCUSDT", KlineInterval.OneHour, Harness.From, null);

        // The clock is at the replay start: only the kline opening there, as it stands (nothing traded yet).
        var forming = Assert.Single(rows).Kline;
        Assert.Equal(Harness.From, forming.OpenTime);
        Assert.Equal(0m, forming.Volume);
    }

    [Fact]
    public async Task GetKlines_UnknownSymbol_ThrowsWithBinanceCodeAndMessage()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var rest = Harness.Rest(simulator, http);

        var e = await Assert.ThrowsAsync<BinanceApiException>(() => rest.GetKlinesAsync("NOPEUSDT", KlineInterval.OneHour, null, null));

        Assert.Equal((400, -1121), (e.HttpStatus, e.Code));
        Assert.Contains("Invalid symbol.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Injected429_WaitsExactlyRetryAfterThenSucceeds()
    {
        await using var simulator = await Harness.StartSimulatorAsync("rest429=2,retryafter=3");
        var time = new InstantTimeProvider();
        var rest = Harness.Rest(simulator, http, time);

        for (var i = 0; i < 4; i++)
        {
            await rest.PingAsync();
        }

        Assert.True(simulator.Status.Rest429 >= 2);
        Assert.Equal(simulator.Status.Rest429, time.Waits.Count(w => w == TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task Get_Injected5xx_RetriesWithJitteredBackoff()
    {
        await using var simulator = await Harness.StartSimulatorAsync("rest5xx=2");
        var time = new InstantTimeProvider();
        var rest = Harness.Rest(simulator, http, time, o => o.InitialBackoff = TimeSpan.FromMilliseconds(400));

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Harness.From, await rest.GetServerTimeAsync());
        }

        Assert.True(simulator.Status.Rest5xx >= 2);
        Assert.Equal((int)simulator.Status.Rest5xx, time.Waits.Count);
        Assert.All(time.Waits, w => Assert.InRange(w, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)));
    }

    [Fact]
    public async Task Get_BanLongerThanTheClientWaits_FailsWithTheServersAnswer()
    {
        await using var simulator = await Harness.StartSimulatorAsync("rest418=1,retryafter=600");
        var rest = Harness.Rest(simulator, http, new InstantTimeProvider());

        var e = await Assert.ThrowsAsync<BinanceApiException>(() => rest.PingAsync());

        Assert.Equal((418, -1003), (e.HttpStatus, e.Code));
        Assert.Contains("Retry-After 600s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UsedWeightAtTheBudget_WaitsForTheNextMinuteInsteadOfBeingRejected()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var time = new InstantTimeProvider();
        var rest = Harness.Rest(simulator, http, time, o => (o.RequestWeightPerMinute, o.WeightBudgetFraction) = (10, 1));

        for (var i = 0; i < 8; i++)
        {
            await rest.GetKlinesAsync("BTCUSDT", KlineInterval.OneHour, null, null, 5);
        }

        // Weight 2 per request: the sixth request of a minute would cross 10, so the client waits for the next minute.
        Assert.NotEmpty(time.Waits);
        Assert.All(time.Waits, w => Assert.InRange(w, TimeSpan.Zero, TimeSpan.FromSeconds(60.5)));
        Assert.Equal(0, simulator.Status.Rest429);
    }

    [Fact]
    public async Task GetKlines_MicrosecondTimeUnit_SameKlinesAsMilliseconds()
    {
        var clock = new DateTimeOffset(2021, 5, 1, 0, 0, 0, TimeSpan.Zero);
        await using var simulator = await Harness.StartSimulatorAsync(from: clock, to: clock.AddDays(1));
        var ms = Harness.Rest(simulator, http);
        var us = Harness.Rest(simulator, http, configure: o => o.TimeUnit = BinanceTimeUnit.Microsecond);

        var inMs = await ms.GetKlinesAsync("ETHUSDT", KlineInterval.OneHour, Harness.From, clock.AddHours(-1));
        var inUs = await us.GetKlinesAsync("ETHUSDT", KlineInterval.OneHour, Harness.From, clock.AddHours(-1));

        Assert.Equal(inMs.Select(r => r.Kline), inUs.Select(r => r.Kline));
        Assert.StartsWith("[1618704000000000,", inUs[0].RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var options = new BinanceClientOptions { StreamBaseUri = new Uri("https://stream.binance.com") };

        var e = Assert.Throws<BinanceConfigurationException>(() => new BinanceRestClient(http, options));

        Assert.Contains("ws:// or wss://", e.Message, StringComparison.Ordinal);
    }
}

public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task AddBinanceMarketData_ForSimulator_ResolvesAWorkingClient()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddBinanceMarketData(o => o.RestBaseUri = simulator.BaseAddress);
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);

        var rest = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<BinanceRestClient>(provider);

        Assert.Equal(Harness.From, await rest.GetServerTimeAsync());
    }
}
