using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Binance.Trading;
using Platform.Domain.Execution;
using Platform.Domain.Trading;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.LiveTrading.Execution;
using Platform.MarketData;
using Platform.Storage.Postgres;
using Platform.Storage.Trading;
using Platform.Worker;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform bench execute`: the execution service alone on this machine — a decision handed to it → intent stored →
/// risk guard (every rule, verdicts stored) → signed MARKET order at the simulator's trading API → acknowledged (with its
/// fills) → order, fills, position and equity stored and the bar booked. Alternating buys and sells, one per bar.
/// </summary>
internal static class ExecuteBench
{
    public static async Task<int> RunAsync(int orders, bool postgres, CancellationToken cancellationToken)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var key = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var from = new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = from,
            To = from.AddDays(1),
            Speed = ReplaySpeed.Max,
            Port = 0,
            Trading = new SimulatorTradingOptions { ApiKey = key, ApiSecret = secret, OrdersPer10Seconds = 1_000_000, OrdersPerDay = 10_000_000 },
        }, cancellationToken);
        var directory = Directory.CreateTempSubdirectory("platform-bench-execute-").FullName;
        try
        {
            await using SqlTradingStore store = postgres
                ? await PostgresTradingStore.OpenAsync(PostgresConnectionString.FromEnvironment() ?? throw new Domain.InvalidRequestException($"--store postgres needs {PostgresConnectionString.EnvironmentVariable}"), cancellationToken)
                : await SqliteTradingStore.OpenAsync(TradingStores.EmbeddedPath(directory), cancellationToken);
            using var http = new HttpClient();
            var client = new BinanceTradingClient(http, new BinanceTradingOptions { BaseUri = simulator.BaseAddress }, BinanceCredentials.Hmac(key, secret));
            var gateway = new TimedGateway(new BinanceOrderGateway(client));
            var trading = new TradingOptions { Symbol = "BTCUSDT" };
            using var port = new ExchangeExecutionPort(trading, store, gateway, new ExecutionOptions { Limits = new RiskLimits { MaxDrawdown = null } });
            await port.RestoreAsync([], cancellationToken);
            var price = await client.GetLastPriceAsync("BTCUSDT", cancellationToken);
            var run = Guid.NewGuid().ToString("N")[..8];
            var ack = new List<double>(orders);
            var stored = new List<double>(orders);
            var barTime = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < orders + 20; i++)
            {
                // The first 20 orders pay for JIT, connections and the SQLite page cache: measured from the 21st.
                var action = i % 2 == 0 ? TradeAction.Buy : TradeAction.Sell;
                var openTime = barTime.AddHours(i);
                var decision = new TradingDecision($"bench-{run}:BTCUSDT:{i}", "bench", "1", "bench", "bench", "BTCUSDT", openTime, [0, action == TradeAction.Buy ? 1 : 0, action == TradeAction.Sell ? 1 : 0], action, port.Session.Account.Quantity, DateTimeOffset.UtcNow) { BarClose = price };
                var started = Stopwatch.GetTimestamp();
                var outcome = await port.ExecuteAsync(decision, price, cancellationToken);
                var done = Stopwatch.GetTimestamp();
                if (outcome.Trade is null)
                {
                    throw new InvalidOperationException($"Bench order {i} was not executed: {outcome.NotExecutedReason}");
                }

                if (i >= 20)
                {
                    ack.Add(Stopwatch.GetElapsedTime(started, gateway.LastAcknowledged).TotalMilliseconds);
                    stored.Add(Stopwatch.GetElapsedTime(started, done).TotalMilliseconds);
                }
            }

            ack.Sort();
            stored.Sort();
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["orders"] = ack.Count,
                ["store"] = store.Description,
                ["decision_to_ack_ms_p50"] = Math.Round(Percentiles.NearestRank(ack, 0.50), 3),
                ["decision_to_ack_ms_p99"] = Math.Round(Percentiles.NearestRank(ack, 0.99), 3),
                ["decision_to_fill_stored_ms_p50"] = Math.Round(Percentiles.NearestRank(stored, 0.50), 3),
                ["decision_to_fill_stored_ms_p99"] = Math.Round(Percentiles.NearestRank(stored, 0.99), 3),
                ["decision_to_fill_stored_ms_max"] = Math.Round(stored[^1], 3),
                ["orders_per_s"] = Math.Round(1000.0 / stored.Average(), 1),
            }));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Notes when the exchange's answer to the last order arrived.</summary>
    private sealed class TimedGateway(IOrderGateway inner) : IOrderGateway
    {
        public long LastAcknowledged { get; private set; }

        public TradingMode Mode => inner.Mode;

        public async Task<OrderReport> PlaceMarketOrderAsync(OrderIntent intent, CancellationToken cancellationToken = default)
        {
            var report = await inner.PlaceMarketOrderAsync(intent, cancellationToken);
            LastAcknowledged = Stopwatch.GetTimestamp();
            return report;
        }

        public Task<OrderReport?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => inner.GetOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task<IReadOnlyList<ExchangeOrder>> GetOpenOrdersAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetOpenOrdersAsync(symbol, cancellationToken);

        public Task<ExchangeOrder> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => inner.CancelOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task<ExchangeBalances> GetBalancesAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetBalancesAsync(symbol, cancellationToken);

        public Task<decimal> GetLastPriceAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetLastPriceAsync(symbol, cancellationToken);

        public Task<string?> CheckFiltersAsync(string symbol, TradeSide side, decimal quantity, decimal referencePrice, CancellationToken cancellationToken = default) => inner.CheckFiltersAsync(symbol, side, quantity, referencePrice, cancellationToken);
    }
}
