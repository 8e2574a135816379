using System.CommandLine;
using Platform.Exchange.Simulator;

namespace Platform.Cli.Commands;

/// <summary>`platform exchange ...`: the simulated Binance exchange.</summary>
internal static class ExchangeCommands
{
    public static Command Create()
    {
        var exchange = new Command("exchange", "Simulated Binance exchange (WebSocket kline streams and REST market data replayed from kline files)");
        exchange.Subcommands.Add(Simulate());
        exchange.Subcommands.Add(Bench());
        return exchange;
    }

    /// <summary>The simulator → Binance client path at max speed, in process over loopback; prints one JSON line.</summary>
    private static Command Bench()
    {
        var data = CommonOptions.Data();
        var symbols = new Option<string>("--symbols") { Description = "Comma-separated symbols", DefaultValueFactory = _ => "BTCUSDT,ETHUSDT,BNBUSDT,XRPUSDT,LTCUSDT" };
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var partials = new Option<int>("--partials") { Description = "Updates of the forming kline per closed event", DefaultValueFactory = _ => 3 };
        var command = new Command("bench", "Klines per second from the simulator at --speed max through the Binance stream client (WebSocket + gap backfill) to an in-memory sink")
        {
            data, symbols, from, to, partials,
        };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var list = parse.GetValue(symbols)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToList();
            var start = CommonOptions.ParseTime(parse.GetValue(from), "--from") ?? new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var end = CommonOptions.ParseTime(parse.GetValue(to), "--to") ?? new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var result = await Platform.Exchange.Simulator.Benchmarking.StreamBenchmark.RunAsync(parse.GetValue(data) ?? Platform.MarketData.MarketDataLoader.BundledDirectory, list, start, end, null, parse.GetValue(partials), cancellationToken);
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["symbols"] = result.Symbols,
                ["closed_klines"] = result.ClosedKlines,
                ["partial_klines"] = result.PartialKlines,
                ["messages"] = result.MessagesSent,
                ["seconds"] = Math.Round(result.Seconds, 2),
                ["closed_klines_per_s"] = Math.Round(result.ClosedKlinesPerSecond),
                ["messages_per_s"] = Math.Round(result.MessagesPerSecond),
                ["exact"] = result.Exact,
            }));
            return result.Exact ? 0 : 1;
        }));
        return command;
    }

    private static Command Simulate()
    {
        var data = CommonOptions.Data();
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var speed = new Option<string>("--speed") { Description = "Simulated hours per second (e.g. 1, 24, 0.5), 'realtime' (Binance's pace) or 'max' (as fast as clients consume; the clock waits while none is connected)", DefaultValueFactory = _ => "1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 = a free port; the bound URL is printed)", DefaultValueFactory = _ => 9443 };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var faults = new Option<string?>("--faults") { Description = "Fault injection, e.g. drop=500,malformed=1000,duplicate=300 (also outoforder=N, shutdown=N, delay=MS, lifetime=S, rest429=N, rest418=N, rest5xx=N, retryafter=S; orders: order5xx=N, ordertimeout=N, hang=S, reject2010=N, order429=N, burst=K)" };
        var interval = CommonOptions.Interval();
        var partials = new Option<int>("--partials") { Description = "Updates of the forming kline sent before each closed event", DefaultValueFactory = _ => 3 };
        var trading = SimulatorTradingCli.Options();
        var command = new Command("simulate", "Serve the klines of a directory as a Binance-compatible exchange (market data and spot trading) until Ctrl+C")
        {
            data, from, to, speed, port, host, faults, interval, partials,
        };
        trading.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var options = new SimulatorOptions
            {
                DataDirectory = parse.GetValue(data) ?? Platform.MarketData.MarketDataLoader.BundledDirectory,
                From = CommonOptions.ParseTime(parse.GetValue(from), "--from"),
                To = CommonOptions.ParseTime(parse.GetValue(to), "--to"),
                Speed = ReplaySpeed.Parse(parse.GetValue(speed)!),
                Port = parse.GetValue(port),
                Host = parse.GetValue(host)!,
                Faults = FaultSpec.Parse(parse.GetValue(faults)),
                Interval = CommonOptions.ParseInterval(parse.GetValue(interval)!),
                PartialUpdatesPerKline = parse.GetValue(partials),
                LogToConsole = true,
                Trading = trading.Read(parse),
            };
            await using var simulator = await ExchangeSimulator.StartAsync(options, cancellationToken);
            var status = simulator.Status;
            Console.WriteLine($"Simulated Binance exchange on {simulator.BaseAddress} (REST {simulator.BaseAddress}api/v3/..., streams {simulator.BaseAddress.AbsoluteUri.Replace("http", "ws", StringComparison.Ordinal)}stream?streams=...)");
            Console.WriteLine($"Replay {status.From:u} .. {status.To:u} at {status.Speed}; faults: {status.Faults}; status: {simulator.BaseAddress}sim/status. Ctrl+C stops it.");
            Console.WriteLine(SimulatorTradingCli.Describe(options.Trading));
            _ = simulator.Finished.ContinueWith(_ => Console.WriteLine($"Replay finished at {simulator.Status.Clock:u}; still serving REST."), TaskScheduler.Default);
            try
            {
                await simulator.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly.
            }

            return 0;
        }));
        return command;
    }
}
