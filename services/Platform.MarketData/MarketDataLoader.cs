using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>Per file: which symbol it holds and whether its checksum was verified.</summary>
public sealed record SourceFile(string Name, string Symbol, ChecksumStatus Checksum, int Rows);

/// <summary>The loaded data set plus what was read from where.</summary>
public sealed record LoadedMarketData(MarketDataSet Data, IReadOnlyList<SourceFile> Files)
{
    /// <summary>Files that hold no kline at all (empty, or a header only): never usable, always reported.</summary>
    public IReadOnlyList<SourceFile> EmptyFiles => [.. Files.Where(f => f.Rows == 0)];
}

/// <summary>
/// Loads a directory of kline files: one or many per symbol (e.g. BTCUSDT.csv, BTCUSDT.csv.gz, or monthly
/// BTCUSDT-1h-2023-01.zip archives). The symbol is the file name up to its first '-' or '.'. All of a symbol's files
/// are validated together, so duplicates and gaps across file boundaries are found too.
/// </summary>
public static class MarketDataLoader
{
    /// <summary>The 2021–2022 hourly data set shipped with Platform (copied next to the program at build time).</summary>
    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "data", "binance-1h");

    public static LoadedMarketData LoadDirectory(string directory, KlineInterval interval, IReadOnlyCollection<string>? symbols = null, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Data directory '{directory}' does not exist.");
        }

        var files = Directory.EnumerateFiles(directory)
            .Where(KlineFileReader.IsKlineFile)
            .Select(path => (Path: path, Symbol: SymbolOf(path)))
            .Where(f => symbols is null || symbols.Contains(f.Symbol))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            var wanted = symbols is null ? "kline files" : $"files for {string.Join(", ", symbols)}";
            throw new FileNotFoundException($"No {wanted} (.csv, .csv.gz or .zip) in '{directory}'.");
        }

        var missing = symbols?.Where(s => files.All(f => f.Symbol != s)).ToList() ?? [];
        if (missing.Count > 0)
        {
            throw new FileNotFoundException($"No kline files for {string.Join(", ", missing)} in '{directory}'.");
        }

        var sourceFiles = new List<SourceFile>();
        var series = new Dictionary<string, KlineSeries>(StringComparer.Ordinal);
        var reports = new List<SymbolValidationReport>();
        foreach (var group in files.GroupBy(f => f.Symbol).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var parts = new List<ParsedKlines>();
            foreach (var (path, symbol) in group)
            {
                progress?.Report(Path.GetFileName(path));
                var (fileParts, checksum) = KlineFileReader.Read(path);
                parts.AddRange(fileParts);
                sourceFiles.Add(new SourceFile(Path.GetFileName(path), symbol, checksum, fileParts.Sum(p => p.Rows.Count + p.Rejected.Count)));
            }

            // Files in time order (monthly archives sort by name anyway; this also covers mixed names).
            var ordered = parts.OrderBy(p => p.Rows.Count > 0 ? p.Rows[0].Kline.OpenTime : DateTimeOffset.MaxValue).ToList();
            var rows = ordered.SelectMany(p => p.Rows).ToList();
            var (s, report) = KlineValidator.Validate(
                group.Key,
                interval,
                rows,
                [.. ordered.SelectMany(p => p.Rejected)],
                [.. ordered.Select(p => p.Source)]);
            series[group.Key] = s;
            reports.Add(report);
        }

        return new LoadedMarketData(new MarketDataSet(series, reports), sourceFiles);
    }

    /// <summary>"BTCUSDT-1h-2023-01.zip" → "BTCUSDT"; "btcusdt.csv.gz" → "BTCUSDT".</summary>
    public static string SymbolOf(string path)
    {
        var name = Path.GetFileName(path);
        var end = name.IndexOfAny(['-', '.', '_']);
        return (end > 0 ? name[..end] : name).ToUpperInvariant();
    }
}
