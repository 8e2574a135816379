using System.Net;
using System.Net.Sockets;
using Platform.Binance.Trading;
using Platform.Domain.Execution;
using Platform.Domain.Trading;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.LiveTrading.Execution;
using Platform.MarketData;
using Platform.Storage.Trading;
using Platform.Telemetry;

namespace Platform.LiveTrading.Tests;

/// <summary>The execution service's metrics on the platform's Prometheus scrape endpoint (PLATFORM_PROMETHEUS_URL).</summary>
public sealed class ExecutionMetricsTests : IDisposable
{
    private const string ApiKey = "metrics-test-key";
    private const string ApiSecret = "metrics-test-secret";
    private readonly string directory = Directory.CreateTempSubdirectory("platform-metrics-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task PrometheusEndpoint_WhileTrading_ServesOrdersFillsEquityPositionAndKillSwitch()
    {
        var port = FreePort();
        using var metrics = PlatformTelemetry.CreateMeterProvider("metrics-test", new TelemetryOptions { PrometheusUrl = new Uri($"http://127.0.0.1:{port}/") });
        var from = new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = from,
            To = from.AddDays(1),
            Speed = ReplaySpeed.Max,
            Port = 0,
            Trading = new SimulatorTradingOptions { ApiKey = ApiKey, ApiSecret = ApiSecret },
        });
        await using var store = await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"));
        using var http = new HttpClient();
        var client = new BinanceTradingClient(http, new BinanceTradingOptions { BaseUri = simulator.BaseAddress }, BinanceCredentials.Hmac(ApiKey, ApiSecret));
        using var execution = new ExchangeExecutionPort(new TradingOptions { Symbol = "BTCUSDT" }, store, new BinanceOrderGateway(client), new ExecutionOptions());
        await execution.RestoreAsync([]);
        var price = await client.GetLastPriceAsync("BTCUSDT");
        var bar = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var outcome = await execution.ExecuteAsync(new TradingDecision("metrics:BTCUSDT:1", "metrics", "1", "run", "hash", "BTCUSDT", bar, [0, 1, 0], TradeAction.Buy, 0m, DateTimeOffset.UtcNow) { BarClose = price }, price);
        Assert.NotNull(outcome.Trade);

        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        foreach (var series in new[] { "platform_execution_orders_total", "platform_execution_fills_total", "platform_execution_equity", "platform_execution_position", "platform_execution_kill_switch", "platform_execution_decision_to_fill" })
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }

        // Other tests' execution services may report in the same process: the series is there, its value theirs or ours.
        Assert.Contains(text.Split('\n'), l => l.StartsWith("platform_execution_position", StringComparison.Ordinal) && l.Contains("mode=\"paper\"", StringComparison.Ordinal) && l.Contains("symbol=\"BTCUSDT\"", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
