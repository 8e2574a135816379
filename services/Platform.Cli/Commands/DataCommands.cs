using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Domain;
using Platform.Domain.MarketData;
using Platform.MarketData;
using Platform.Reporting;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform data ...`: look at and check market data.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Market data: validate and download kline files");
        data.Subcommands.Add(Validate());
        data.Subcommands.Add(Download());
        data.Subcommands.Add(Export());
        return data;
    }

    private static Command Export()
    {
        var dataDirectory = LifecycleCommands.DataDirectory();
        var symbol = new Option<string>("--symbol") { Description = "Symbol, e.g. BTCUSDT", Required = true };
        var interval = CommonOptions.Interval();
        var from = new Option<string>("--from") { Description = "Start (UTC, inclusive)", Required = true };
        var to = new Option<string>("--to") { Description = "End (UTC, exclusive)", Required = true };
        var output = new Option<string>("--out") { Description = "CSV file to write", Required = true };
        var command = new Command("export", "Write the market store's klines in Binance's CSV layout") { dataDirectory, symbol, interval, from, to, output };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var start = CommonOptions.ParseTime(parse.GetValue(from), "--from")!.Value;
            var end = CommonOptions.ParseTime(parse.GetValue(to), "--to")!.Value;
            if (end <= start)
            {
                throw new InvalidRequestException("--to must be after --from");
            }

            var storePath = new Platform.Activities.PlatformDataOptions { Directory = parse.GetValue(dataDirectory)! }.MarketStorePath;
            if (!File.Exists(storePath))
            {
                throw new FileNotFoundException($"no market store at {storePath}");
            }

            KlineSeries series;
            try
            {
                using var store = new Platform.Storage.DuckDbMarketDataStore(storePath);
                series = await store.ReadAsync(parse.GetValue(symbol)!.ToUpperInvariant(), CommonOptions.ParseInterval(parse.GetValue(interval)!), start, end, cancellationToken);
            }
            catch (DuckDB.NET.Data.DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidRequestException($"the market store {storePath} is open in a running platform; stop it (Ctrl+C on ./platform up) and export again", e);
            }

            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)))
            {
                BinanceKlineCsvWriter.Write(writer, series);
            }

            Console.WriteLine($"{series.Count} {series.Symbol} {series.Interval} klines → {path}");
            return 0;
        }));
        return command;
    }

    private static Command Download()
    {
        var symbols = new Option<string>("--symbols") { Description = "Comma-separated symbols", DefaultValueFactory = _ => "BTCUSDT,ETHUSDT,BNBUSDT,LTCUSDT,XRPUSDT" };
        var interval = CommonOptions.Interval();
        var from = new Option<string>("--from") { Description = "Start (UTC date, inclusive)", Required = true };
        var to = new Option<string>("--to") { Description = "End (UTC date, exclusive)", Required = true };
        var source = new Option<string>("--source") { Description = "'vision': data.binance.vision monthly archives with checksums; 'rest': the /api/v3/klines endpoint", DefaultValueFactory = _ => "vision" };
        var baseUrl = new Option<string?>("--base-url") { Description = "Override the server address (a mirror, or a local test server)" };
        var output = CommonOptions.Out("data/downloads");
        var command = new Command("download", "Download klines from Binance (needs network access; resumable: verified files are not fetched again)")
        {
            symbols, interval, from, to, source, baseUrl, output,
        };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var start = CommonOptions.ParseTime(parse.GetValue(from), "--from")!.Value;
            var end = CommonOptions.ParseTime(parse.GetValue(to), "--to")!.Value;
            if (end <= start)
            {
                throw new InvalidRequestException("--to must be after --from");
            }

            var kind = parse.GetValue(source);
            if (kind is not ("vision" or "rest"))
            {
                throw new InvalidRequestException($"--source: '{kind}' is not 'vision' or 'rest'");
            }

            Uri? custom = null;
            if (parse.GetValue(baseUrl) is { } url && !Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out custom))
            {
                throw new InvalidRequestException($"--base-url: '{url}' is not an absolute URL");
            }

            var klineInterval = CommonOptions.ParseInterval(parse.GetValue(interval)!);
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            var downloader = new BinanceDataDownloader(http, custom ?? BinanceDataDownloader.DefaultVisionBase, custom ?? BinanceDataDownloader.DefaultRestBase);
            var files = new List<DownloadedFile>();
            foreach (var symbol in parse.GetValue(symbols)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()))
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{symbol}: downloading ({kind})");
                if (kind == "vision")
                {
                    files.AddRange(await downloader.DownloadMonthlyAsync(symbol, klineInterval, start, end, directory, null, cancellationToken));
                }
                else
                {
                    files.Add(await downloader.DownloadRestAsync(symbol, klineInterval, start, end, directory, null, cancellationToken));
                }
            }

            foreach (var file in files)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  {file.Name}: {file.Outcome} ({file.Bytes:N0} bytes)");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"next: [blue]./platform data validate --data {directory}[/]");
            return files.Any(f => f.Outcome != DownloadOutcome.NotPublished) ? 0 : 4;
        }));
        return command;
    }

    private static Command Validate()
    {
        var dataOption = CommonOptions.Data();
        var interval = CommonOptions.Interval();
        var symbols = new Option<string?>("--symbols") { Description = "Comma-separated symbols to check (default: every symbol in the directory)" };
        var output = new Option<string?>("--out") { Description = "Also write validation.json and rejected.csv here" };
        var command = new Command("validate", "Check kline files for gaps, duplicates, out-of-order rows, bad values, OHLC inconsistencies and zero-volume candles. Exit code 0: no row rejected; 3: rows were rejected or a file holds no kline (listed); 2: a file cannot be read (truncated, corrupt, not what its name says).")
        {
            dataOption, interval, symbols, output,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var wanted = parse.GetValue(symbols)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToList();
            var loaded = DataLoading.Load(parse.GetValue(dataOption), CommonOptions.ParseInterval(parse.GetValue(interval)!), wanted);
            Print(loaded);
            if (parse.GetValue(output) is { } dir)
            {
                CommonOptions.EnsureWritableDirectory(dir, "--out");
                Write(loaded, dir);
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"wrote [blue]{Path.Combine(dir, "validation.json")}[/] and [blue]{Path.Combine(dir, "rejected.csv")}[/]");
            }

            return loaded.Data.Reports.All(r => r.IsClean) && loaded.EmptyFiles.Count == 0 ? 0 : 3;
        }));
        return command;
    }

    private static void Print(LoadedMarketData loaded)
    {
        var table = new Table().Title("Kline validation").AddColumns("symbol", "files", "rows", "accepted", "rejected", "zero-volume", "missing bars", "first", "last");
        foreach (var r in loaded.Data.Reports)
        {
            table.AddRow(
                r.Symbol,
                r.Sources.Count.ToString(CultureInfo.InvariantCulture),
                r.RowsRead.ToString(CultureInfo.InvariantCulture),
                r.RowsAccepted.ToString(CultureInfo.InvariantCulture),
                r.Rejected.Count == 0 ? "0" : $"[red]{r.Rejected.Count}[/]",
                r.Warnings.Count.ToString(CultureInfo.InvariantCulture),
                r.MissingBars.ToString(CultureInfo.InvariantCulture),
                $"{r.First:yyyy-MM-dd HH:mm}",
                $"{r.Last:yyyy-MM-dd HH:mm}");
        }

        AnsiConsole.Write(table);
        foreach (var empty in loaded.EmptyFiles)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{empty.Name}: no klines (the file is empty or holds only a header)[/]");
        }

        var unverified = loaded.Files.Where(f => f.Checksum == ChecksumStatus.Missing).ToList();
        if (unverified.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]{unverified.Count} archive(s) without a .CHECKSUM file (not verified):[/] {string.Join(", ", unverified.Select(f => f.Name))}");
        }

        var verified = loaded.Files.Count(f => f.Checksum == ChecksumStatus.Verified);
        if (verified > 0)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{verified} archive(s) verified against their .CHECKSUM");
        }

        var common = loaded.Data.CommonMissingOpenTimes();
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]Missing in every symbol ({common.Count} open times, UTC):[/]");
        foreach (var t in common)
        {
            AnsiConsole.WriteLine($"  {t:yyyy-MM-dd HH:mm}");
        }

        foreach (var r in loaded.Data.Reports)
        {
            var own = r.Gaps.Where(g => !common.Contains(g.First) || !common.Contains(g.Last)).ToList();
            foreach (var g in own)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]{r.Symbol}: {g.Count} missing bar(s) {g.First:yyyy-MM-dd HH:mm} .. {g.Last:yyyy-MM-dd HH:mm}[/]");
            }

            foreach (var rejected in r.Rejected.Take(20))
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{rejected.Source}:{rejected.Line}[/] {rejected.Reason}: {rejected.Detail}");
            }

            if (r.Rejected.Count > 20)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{r.Symbol}: {r.Rejected.Count - 20} more rejected row(s); use --out for the full list[/]");
            }
        }
    }

    private static void Write(LoadedMarketData loaded, string directory)
    {
        Directory.CreateDirectory(directory);
        var document = new
        {
            files = loaded.Files,
            common_missing_open_times = loaded.Data.CommonMissingOpenTimes(),
            symbols = loaded.Data.Reports.Select(r => new
            {
                r.Symbol,
                interval = r.Interval.Code,
                r.Sources,
                r.RowsRead,
                r.RowsAccepted,
                r.First,
                r.Last,
                rejected = r.Rejected.Count,
                zero_volume = r.Warnings.Count(w => w.Kind == KlineWarningKind.ZeroVolume),
                gaps = r.Gaps,
                warnings = r.Warnings,
            }),
        };
        File.WriteAllText(Path.Combine(directory, "validation.json"), JsonSerializer.Serialize(document, BacktestReport.JsonOptions) + "\n");
        var csv = new StringBuilder("symbol,source,line,open_time,reason,detail\n");
        foreach (var r in loaded.Data.Reports)
        {
            foreach (var x in r.Rejected)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{r.Symbol},{x.Source},{x.Line},{x.OpenTime:yyyy-MM-ddTHH:mm:ssZ},{JsonNamingPolicy.SnakeCaseLower.ConvertName(x.Reason.ToString())},\"{x.Detail.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
            }
        }

        File.WriteAllText(Path.Combine(directory, "rejected.csv"), csv.ToString());
    }
}
