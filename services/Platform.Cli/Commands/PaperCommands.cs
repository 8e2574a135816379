using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Binance.Trading;
using Platform.Domain;
using Platform.Domain.Execution;
using Platform.Domain.Models;
using Platform.Domain.Trading;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.Kafka;
using Platform.Storage;
using Platform.Storage.Postgres;
using Platform.Storage.Trading;
using Platform.Worker;
using Platform.LiveTrading;
using Platform.Reporting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>
/// `platform paper`: a model trading on an exchange's live market data with paper fills — the stream, the features, the
/// decisions and the accounting of the live path — written up like a backtest, plus every decision.
/// </summary>
internal static class PaperCommands
{
    public static Command Create()
    {
        var exchange = new Option<string?>("--exchange") { Description = "A Binance-compatible server, e.g. a running `platform exchange simulate` at http://127.0.0.1:9443 (default: the simulator started in-process over --data, --from, --to at --speed)" };
        var model = new Option<string>("--model") { Description = "models:/NAME@ALIAS or models:/NAME/VERSION (registry at MLFLOW_TRACKING_URI) or a checkpoint file PATH.dqn", Required = true };
        var symbol = CommonOptions.Symbol();
        var until = new Option<string?>("--until") { Description = "Trade bars opening before this UTC time, then stop (default: until the replay ends or Ctrl+C)" };
        var output = CommonOptions.Out("out/paper");
        var data = CommonOptions.Data();
        var from = new Option<string?>("--from") { Description = "In-process simulator: replay from this UTC time (default: the data's start)" };
        var to = new Option<string?>("--to") { Description = "In-process simulator: replay up to this UTC time (default: the data's end)" };
        var speed = new Option<string>("--speed") { Description = "In-process simulator: hours per second, 'realtime' or 'max'", DefaultValueFactory = _ => "max" };
        var grace = new Option<double>("--row-grace") { Description = "Seconds a closed bar waits for the other symbols' klines of its hour", DefaultValueFactory = _ => 10 };
        var dataDir = new Option<string>("--data-dir") { Description = "Where the run keeps its trading store (intents, orders, fills, positions, risk events): with --exchange, trading.db here (or PLATFORM_POSTGRES); with the in-process simulator, a new runs/<time>/trading.db per run", DefaultValueFactory = _ => Path.Combine(".platform", "paper") };
        var trading = new TradingOptionSet();
        var command = new Command("paper", "Paper-trade a model on live market data through the exchange's order API (stream → features → decisions → risk guard → orders → fills) and write the backtest's report plus decisions.csv")
        {
            exchange, model, symbol, until, output, data, from, to, speed, grace, dataDir,
        };
        trading.AddTo(command);
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            var tradedSymbol = parse.GetValue(symbol)!.ToUpperInvariant();
            var url = parse.GetValue(exchange);
            Uri? exchangeUri = null;
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out exchangeUri) || exchangeUri.Scheme is not ("http" or "https")))
            {
                throw new InvalidRequestException($"--exchange: '{url}' is not an absolute http(s) URL");
            }

            if (exchangeUri is not null && (parse.GetResult(from) is { Implicit: false } || parse.GetResult(to) is { Implicit: false } || parse.GetResult(data) is { Implicit: false }))
            {
                throw new InvalidRequestException("--data, --from and --to choose what the in-process simulator replays; with --exchange the exchange decides");
            }

            var rowGrace = parse.GetValue(grace);
            if (rowGrace is <= 0 or > 3600)
            {
                throw new InvalidRequestException($"--row-grace: {rowGrace.ToString(CultureInfo.InvariantCulture)} is not in (0, 3600] seconds");
            }

            using var loaded = await BacktestCommands.LoadModelAsync(ModelReference.Parse(parse.GetValue(model)!), cancellation);
            var options = trading.ReadFor(parse, tradedSymbol, loaded.Trading);
            var paperOptions = new PaperRunOptions
            {
                Exchange = exchangeUri ?? new Uri("http://127.0.0.1/"),
                Until = CommonOptions.ParseTime(parse.GetValue(until), "--until"),
                RowGrace = TimeSpan.FromSeconds(rowGrace),
            };
            // The in-process simulator's account is new each run, with keys of its own; another exchange needs the account's keys.
            var (credentials, simulatorSecret) = exchangeUri is null ? RunKeys() : (BinanceCredentials.FromEnvironment()
                ?? throw new InvalidRequestException($"--exchange: orders need the exchange account's API key: set {BinanceCredentials.ApiKeyVariable} and {BinanceCredentials.ApiSecretVariable} (or {BinanceCredentials.PrivateKeyFileVariable}), or {BinanceCredentials.SecretsFileVariable}"), "");
            var storeDirectory = exchangeUri is null
                ? Path.Combine(parse.GetValue(dataDir)!, "runs", DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6])
                : parse.GetValue(dataDir)!;
            Directory.CreateDirectory(storeDirectory);
            await using var simulator = exchangeUri is null
                ? await ExchangeSimulator.StartAsync(
                    new SimulatorOptions
                    {
                        DataDirectory = parse.GetValue(data) ?? Platform.MarketData.MarketDataLoader.BundledDirectory,
                        From = CommonOptions.ParseTime(parse.GetValue(from), "--from"),
                        To = CommonOptions.ParseTime(parse.GetValue(to), "--to"),
                        Speed = ReplaySpeed.Parse(parse.GetValue(speed)!),
                        Port = 0,
                        Trading = new SimulatorTradingOptions
                        {
                            ApiKey = credentials.ApiKey,
                            ApiSecret = simulatorSecret,
                            Balances = new Dictionary<string, decimal>(StringComparer.Ordinal) { [SymbolAssets.Split(tradedSymbol).Quote] = options.InitialCash },
                            FeeRate = options.FeeRate,
                            SlippageBps = options.SlippageBps,
                        },
                    },
                    cancellation)
                : null;
            if (simulator is not null)
            {
                paperOptions = paperOptions with { Exchange = simulator.BaseAddress };
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Simulated exchange on [blue]{simulator.BaseAddress}[/]: replay {simulator.Status.From:u} .. {simulator.Status.To:u} at {simulator.Status.Speed}");
            }

            await using var store = exchangeUri is null
                ? await SqliteTradingStore.OpenAsync(TradingStores.EmbeddedPath(storeDirectory), cancellation)
                : await TradingStores.OpenAsync(PostgresConnectionString.FromEnvironment(), storeDirectory, cancellationToken: cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Trading store: [blue]{store.Description}[/]");
            // With an exchange of its own the account outlives the run: a run started again on this data directory
            // takes over the clock hold of the one that stopped, and resumes its account from the store.
            var holdName = exchangeUri is null ? null
                : "paper-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Path.GetFullPath(storeDirectory)}|{loaded.Identity.Name}|{tradedSymbol}")))[..16];
            paperOptions = paperOptions with { Execution = new PaperExecution(credentials, store) { HoldName = holdName } };
            var result = await RunWithProgressAsync(loaded, options, paperOptions, cancellation);
            if (result.Execution is { } execution)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"execution: {execution.OrdersSent} orders sent, {execution.Fills} fills, {execution.RiskRejections} risk rejections, {execution.ExchangeRejections} exchange rejections, {execution.StatusUnknown} unknown (resolved by client order id), {execution.Reconciliations} reconciliations{(execution.Halted is { } why ? ", HALTED: " + why : "")}");
            }

            BacktestReport.Write(result.Result, options, result.DataQuality, directory);
            File.WriteAllText(Path.Combine(directory, "decisions.csv"), DecisionsCsv(result.Decisions));
            BacktestCommands.PrintMetrics([result.Result]);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{result.Decisions.Count} decisions, {result.Result.Trades.Count} trades, {result.LateKlines} late klines, {result.DeadLetters} dead letters, {result.Reconnects} reconnects in {result.Elapsed.TotalSeconds:0.0} s");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"report: [blue]{Path.Combine(directory, "summary.md")}[/], decisions: [blue]{Path.Combine(directory, "decisions.csv")}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>A key and its secret for one run's in-process simulator account.</summary>
    private static (BinanceCredentials Credentials, string Secret) RunKeys()
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (BinanceCredentials.Hmac("paper-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), secret), secret);
    }

    private static async Task<PaperRunResult> RunWithProgressAsync(ITradingModel model, TradingOptions options, PaperRunOptions paper, CancellationToken cancellation)
    {
        var last = DateTimeOffset.MinValue;
        var progress = new Progress<PaperProgress>(p =>
        {
            var now = DateTimeOffset.UtcNow;
            if (now - last < TimeSpan.FromSeconds(2))
            {
                return;
            }

            last = now;
            var state = p.Warming ? "warming up" : "trading";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"paper: {state}, last bar {p.LastRow:yyyy-MM-dd HH:mm}, {p.Decisions} decisions, {p.Trades} trades, equity {p.Equity:N2}"));
        });
        return await RunOnKafkaAsync(model, options, paper, progress, cancellation);
    }

    /// <summary>
    /// A paper run on the Kafka cluster <c>KAFKA_BOOTSTRAP_SERVERS</c> names, or else on an embedded broker started for
    /// the run; its market store is the run's own (in memory: the exchange holds the history).
    /// </summary>
    internal static async Task<PaperRunResult> RunOnKafkaAsync(ITradingModel model, TradingOptions options, PaperRunOptions paper, IProgress<PaperProgress>? progress, CancellationToken cancellation)
    {
        using var kafka = KafkaCluster.FromEnvironmentOrEmbedded();
        return await new PaperTradingRun(kafka, new InMemoryMarketDataStore()).RunAsync(model, options, paper, progress, cancellation);
    }

    /// <summary>One line per decided bar: when, what, why (Q-values), from which position, by which model, and what it did.</summary>
    public static string DecisionsCsv(IReadOnlyList<DecidedBar> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var sb = new StringBuilder("open_time,action,q_hold,q_buy,q_sell,position_before,close,model,model_version,run_id,decision_id,trade_side,trade_quantity,trade_fill_price,not_executed\n");
        foreach (var (decision, outcome, close) in decisions)
        {
            var q = decision.QValues;
            var trade = outcome.Trade;
            sb.Append(CultureInfo.InvariantCulture, $"{decision.OpenTime:yyyy-MM-ddTHH:mm:ssZ},{decision.Action.ToString().ToLowerInvariant()},{Q(q, 0)},{Q(q, 1)},{Q(q, 2)},{decision.PositionBefore},{close},{decision.ModelName},{decision.ModelVersion},{decision.RunId},{decision.DecisionId},");
            sb.Append(CultureInfo.InvariantCulture, $"{(trade is null ? "" : trade.Side == TradeSide.Buy ? "buy" : "sell")},{trade?.Quantity},{trade?.FillPrice},{Csv(outcome.NotExecutedReason)}\n");
        }

        return sb.ToString();
    }

    private static string Q(IReadOnlyList<double> q, int index) =>
        index < q.Count && !double.IsNaN(q[index]) ? ((float)q[index]).ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Csv(string? text) => text is null ? "" : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
