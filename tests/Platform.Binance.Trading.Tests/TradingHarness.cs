using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.MarketData;

namespace Platform.Binance.Trading.Tests;

/// <summary>A simulator with a trading account and a client configured for it.</summary>
internal static class TradingHarness
{
    public const string ApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    public const string ApiSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    public static readonly DateTimeOffset From = new(2021, 4, 18, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset To = new(2021, 4, 25, 0, 0, 0, TimeSpan.Zero);

    public static Task<ExchangeSimulator> StartAsync(string faults = "", Action<SimulatorTradingOptions>? trading = null)
    {
        var options = new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = From,
            To = To,
            Speed = ReplaySpeed.Max,
            Port = 0,
            Faults = FaultSpec.Parse(faults),
            Trading = new SimulatorTradingOptions { ApiKey = ApiKey, ApiSecret = ApiSecret },
        };
        trading?.Invoke(options.Trading);
        return ExchangeSimulator.StartAsync(options);
    }

    public static BinanceTradingClient Client(ExchangeSimulator simulator, HttpClient http, BinanceCredentials? credentials = null, ILogger<BinanceTradingClient>? logger = null, TimeProvider? time = null, Action<BinanceTradingOptions>? configure = null)
    {
        var options = new BinanceTradingOptions { BaseUri = simulator.BaseAddress, InitialBackoff = TimeSpan.FromMilliseconds(10), MaxRetryAfter = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        return new BinanceTradingClient(http, options, credentials ?? BinanceCredentials.Hmac(ApiKey, ApiSecret), logger, time);
    }

    /// <summary>The replay's last price at its clock, read as a client would: the close of the newest kline that has begun.</summary>
    public static async Task<decimal> LastPriceAsync(ExchangeSimulator simulator, HttpClient http, string symbol = "BTCUSDT")
    {
        var rest = new BinanceRestClient(http, BinanceClientOptions.ForServer(simulator.BaseAddress));
        var rows = await rest.GetKlinesAsync(symbol, Domain.MarketData.KlineInterval.OneHour, null, simulator.Status.Clock - TimeSpan.FromMilliseconds(1), 1);
        return rows[^1].Kline.Close;
    }

    /// <summary>Consumes the kline stream until the replay ends (at speed max the clock only moves while a client reads).</summary>
    public static async Task ReplayToEndAsync(ExchangeSimulator simulator, string symbol = "btcusdt")
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(simulator.BaseAddress.AbsoluteUri.Replace("http", "ws", StringComparison.Ordinal) + $"stream?streams={symbol}@kline_1h"), CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reading = Task.Run(async () =>
        {
            while (socket.State == WebSocketState.Open && !timeout.IsCancellationRequested)
            {
                await socket.ReceiveAsync(buffer, timeout.Token);
            }
        });
        await simulator.Finished.WaitAsync(timeout.Token);
        await timeout.CancelAsync();
        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
            // Stopped reading on purpose.
        }
    }
}

/// <summary>Keeps every formatted log line, to scan for secrets.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Lines.Enqueue(formatter(state, exception) + " " + exception);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                Lines.Enqueue(key + "=" + value);
            }
        }
    }
}

/// <summary>The system clock moved by an adjustable skew (a drifting local clock).</summary>
internal sealed class SkewedTimeProvider : TimeProvider
{
    public TimeSpan Skew { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Skew;
}
