using Platform.Exchange.Simulator;

namespace Platform.Binance.Tests;

public sealed class SimulatorTests
{
    [Fact]
    public void FaultSpecParse_IssueExample_ReadsEveryCount()
    {
        var spec = FaultSpec.Parse("drop=500,malformed=1000,duplicate=300,outoforder=7,delay=5,rest429=3,rest5xx=4,retryafter=2");

        Assert.Equal((500, 1000, 300, 7), (spec.Drop, spec.Malformed, spec.Duplicate, spec.OutOfOrder));
        Assert.Equal((TimeSpan.FromMilliseconds(5), 3, 4, 2), (spec.Delay, spec.Rest429, spec.Rest5xx, spec.RetryAfterSeconds));
        Assert.Equal("drop=500,malformed=1000,duplicate=300,outoforder=7,delay=5,rest429=3,rest5xx=4,retryafter=2", spec.ToString());
        Assert.False(FaultSpec.Parse("").Any);
    }

    [Theory]
    [InlineData("drop", "not name=N")]
    [InlineData("drop=0", "at least 1")]
    [InlineData("explode=3", "unknown fault 'explode'")]
    [InlineData("drop=-1", "not name=N")]
    public void FaultSpecParse_Invalid_ThrowsWithTheReason(string spec, string reason)
    {
        var e = Assert.Throws<FormatException>(() => FaultSpec.Parse(spec));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max", double.PositiveInfinity)]
    [InlineData("realtime", 1.0 / 3600)]
    [InlineData("24", 24.0)]
    [InlineData("0.5", 0.5)]
    public void ReplaySpeedParse_Forms_HoursPerSecond(string text, double hoursPerSecond)
    {
        Assert.Equal(hoursPerSecond, ReplaySpeed.Parse(text).HoursPerSecond);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("fast")]
    public void ReplaySpeedParse_Invalid_Throws(string text)
    {
        Assert.Throws<FormatException>(() => ReplaySpeed.Parse(text));
    }

    [Fact]
    public async Task Status_MaxSpeedWithoutClients_ClockWaits()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        using var http = new HttpClient();

        await Task.Delay(300);
        var json = await http.GetStringAsync(new Uri(simulator.BaseAddress, "sim/status"));

        Assert.Contains("\"finished\":false", json, StringComparison.Ordinal);
        Assert.Contains("\"clock\":\"2021-04-18T00:00:00+00:00\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_UnknownEndpointAndBadParameters_AnswerBinanceErrors()
    {
        await using var simulator = await Harness.StartSimulatorAsync();
        using var http = new HttpClient();

        async Task<(int, string)> Get(string path)
        {
            using var response = await http.GetAsync(new Uri(simulator.BaseAddress, path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((400, "{\"code\":-1102,\"msg\":\"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.\"}"), await Get("api/v3/klines?interval=1h"));
        Assert.Equal(400, (await Get("api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=abc")).Item1);
        Assert.Contains("-1120", (await Get("api/v3/klines?symbol=BTCUSDT&interval=5m")).Item2, StringComparison.Ordinal);
        Assert.Contains("-1121", (await Get("api/v3/exchangeInfo?symbol=DOGEUSDT")).Item2, StringComparison.Ordinal);
        Assert.Equal(404, (await Get("api/v3/nothing")).Item1);
    }

    [Fact]
    public void Options_MissingDirectory_Throws()
    {
        var options = new SimulatorOptions { DataDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString()) };

        var e = Assert.Throws<Platform.Domain.InvalidRequestException>(options.Validate);

        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }
}
