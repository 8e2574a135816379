using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;

namespace Platform.Cli.Commands;

/// <summary>Options several commands share, with one parser each, so they mean the same thing everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>No default value in the option itself: help shows "the bundled data", not a path inside the build output.</summary>
    public static Option<string?> Data() => new("--data")
    {
        Description = "Directory of Binance kline files (.csv, .csv.gz, data.binance.vision .zip) [default: the bundled data, hourly 2021-2022]",
    };

    public static Option<string> Interval() => new("--interval")
    {
        Description = "Kline interval of the data",
        DefaultValueFactory = _ => "1h",
    };

    public static Option<string> Symbol() => new("--symbol")
    {
        Description = "Traded symbol",
        DefaultValueFactory = _ => "BTCUSDT",
    };

    public static Option<string?> From() => new("--from") { Description = "Start (UTC date or date-time, inclusive), e.g. 2022-01-01; default: start of the data" };

    public static Option<string?> To() => new("--to") { Description = "End (UTC, exclusive), e.g. 2023-01-01; default: end of the data" };

    public static Option<string> Out(string defaultDirectory) => new("--out")
    {
        Description = "Output directory",
        DefaultValueFactory = _ => defaultDirectory,
    };

    /// <summary>
    /// Proves <paramref name="directory"/> can be created and written, before any long work starts and without creating
    /// anything (a failed command writes nothing): its nearest existing ancestor must be a directory that takes a file.
    /// A directory that cannot be written is an invalid request naming the option, not an I/O exception at the end.
    /// </summary>
    public static string EnsureWritableDirectory(string directory, string option)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            var existing = Path.GetFullPath(directory);
            while (!Directory.Exists(existing))
            {
                if (File.Exists(existing))
                {
                    throw new InvalidRequestException($"{option}: cannot write to '{directory}' ('{existing}' is a file, not a directory)");
                }

                existing = Path.GetDirectoryName(existing) ?? throw new InvalidRequestException($"{option}: cannot write to '{directory}' (no such location)");
            }

            var probe = Path.Combine(existing, $".platform-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return directory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"{option}: cannot write to '{directory}' ({e.Message})", e);
        }
    }

    public static Option<int> Seed() => new("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };

    /// <summary>Parses a UTC date ("2022-01-01") or date-time ("2022-01-01T05:00"); names the option on failure.</summary>
    public static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mmZ"];
        return DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new InvalidRequestException($"{option}: '{text}' is not a UTC date like 2022-01-01 or 2022-01-01T05:00");
    }

    /// <summary>Parses "FROM:TO" ranges such as 2021-01-01:2022-01-01.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) ParseRange(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', 2);
        if (parts.Length != 2 || text.Count(c => c == ':') != 1)
        {
            throw new InvalidRequestException($"{option}: '{text}' is not a range like 2021-01-01:2022-01-01");
        }

        var from = ParseTime(parts[0], option) ?? throw new InvalidRequestException($"{option}: the range needs a start");
        var to = ParseTime(parts[1], option) ?? throw new InvalidRequestException($"{option}: the range needs an end");
        return to > from ? (from, to) : throw new InvalidRequestException($"{option}: the end {parts[1]} is not after the start {parts[0]}");
    }

    public static KlineInterval ParseInterval(string text) => KlineInterval.Parse(text);
}

/// <summary>The trading options as command-line options.</summary>
internal sealed class TradingOptionSet
{
    public Option<decimal> Fee { get; } = new("--fee") { Description = "Fee per fill as a fraction of notional (0.001 = 0.1%, Binance taker); 0 allowed", DefaultValueFactory = _ => 0.001m };

    public Option<decimal> SlippageBps { get; } = new("--slippage-bps") { Description = "Adverse slippage per fill in basis points", DefaultValueFactory = _ => 0m };

    public Option<decimal> InitialCash { get; } = new("--initial-cash") { Description = "Starting cash in the quote currency (USDT)", DefaultValueFactory = _ => 10_000m };

    public Option<string> Sizing { get; } = new("--sizing") { Description = "Position sizing: 'fraction' (of equity per buy) or 'quantity' (fixed base quantity per buy)", DefaultValueFactory = _ => "fraction" };

    public Option<decimal> Size { get; } = new("--size") { Description = "Fraction of equity (0-1] or base quantity per buy, per --sizing", DefaultValueFactory = _ => 1m };

    public Option<int> MaxLots { get; } = new("--max-lots") { Description = "How many buys may be open at once (each sell closes the oldest)", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Fee);
        command.Options.Add(SlippageBps);
        command.Options.Add(InitialCash);
        command.Options.Add(Sizing);
        command.Options.Add(Size);
        command.Options.Add(MaxLots);
    }

    public TradingOptions Read(ParseResult parse, string symbol)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var sizing = parse.GetValue(Sizing) switch
        {
            "fraction" => SizingMode.FractionOfEquity,
            "quantity" => SizingMode.FixedQuantity,
            var other => throw new InvalidRequestException($"--sizing: '{other}' is not 'fraction' or 'quantity'"),
        };
        var options = new TradingOptions
        {
            Symbol = symbol,
            FeeRate = parse.GetValue(Fee),
            SlippageBps = parse.GetValue(SlippageBps),
            InitialCash = parse.GetValue(InitialCash),
            Sizing = sizing,
            SizeValue = parse.GetValue(Size),
            MaxLots = parse.GetValue(MaxLots),
        };
        options.EnsureValid();
        return options;
    }

    /// <summary>
    /// The options to trade a model with: the command's costs and capital; sizing and size from the command when given,
    /// else the model's; the model's lots (a different --max-lots is an error: the model reads open lots / max lots).
    /// </summary>
    public TradingOptions ReadFor(ParseResult parse, string symbol, TradingOptions model)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(model);
        var requested = Read(parse, symbol);
        if (Given(parse, MaxLots) && requested.MaxLots != model.MaxLots)
        {
            throw new InvalidRequestException($"--max-lots {requested.MaxLots}: the model was trained with {model.MaxLots} (its position input is open lots / max lots)");
        }

        var sized = Given(parse, Sizing) || Given(parse, Size);
        var options = model with
        {
            Symbol = symbol,
            FeeRate = requested.FeeRate,
            SlippageBps = requested.SlippageBps,
            InitialCash = requested.InitialCash,
            Sizing = sized ? requested.Sizing : model.Sizing,
            SizeValue = sized ? requested.SizeValue : model.SizeValue,
        };
        options.EnsureValid();
        return options;
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}

/// <summary>Data, symbol, range, seed and trading costs: the options every backtesting command shares.</summary>
internal sealed class BacktestOptionSet
{
    public Option<string?> Data { get; } = CommonOptions.Data();

    public Option<string> Interval { get; } = CommonOptions.Interval();

    public Option<string> Symbol { get; } = CommonOptions.Symbol();

    public Option<string?> From { get; } = CommonOptions.From();

    public Option<string?> To { get; } = CommonOptions.To();

    public Option<int> Seed { get; } = CommonOptions.Seed();

    public TradingOptionSet Trading { get; } = new();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Data, Interval, Symbol, From, To, Seed })
        {
            command.Options.Add(option);
        }

        Trading.AddTo(command);
    }

    public string TradedSymbol(ParseResult parse) => parse.GetValue(Symbol)!.ToUpperInvariant();

    public KlineInterval KlineInterval(ParseResult parse) => CommonOptions.ParseInterval(parse.GetValue(Interval)!);

    public DateTimeOffset? FromTime(ParseResult parse) => CommonOptions.ParseTime(parse.GetValue(From), "--from");

    public DateTimeOffset? ToTime(ParseResult parse) => CommonOptions.ParseTime(parse.GetValue(To), "--to");
}
