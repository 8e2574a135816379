using Platform.Domain.MarketData;
using Platform.MarketData;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>Loads a data directory with a progress bar (one step per file).</summary>
internal static class DataLoading
{
    /// <summary>Loads <paramref name="directory"/>, or the bundled data set when it is null (no --data given).</summary>
    public static LoadedMarketData Load(string? directory, KlineInterval interval, IReadOnlyCollection<string>? symbols = null)
    {
        directory ??= MarketDataLoader.BundledDirectory;
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"--data: directory '{directory}' does not exist");
        }

        var files = Directory.EnumerateFiles(directory).Where(KlineFileReader.IsKlineFile)
            .Count(f => symbols is null || symbols.Contains(MarketDataLoader.SymbolOf(f)));
        LoadedMarketData? loaded = null;
        CliProgress.Run(
            progress =>
            {
                var task = progress.AddTask("loading market data", maxValue: Math.Max(files, 1));
                loaded = MarketDataLoader.LoadDirectory(directory, interval, symbols, new Progress<string>(_ => task.Increment(1)));
                task.Value = task.MaxValue;
                task.StopTask();
            },
            autoClear: true,
            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn());
        return loaded!;
    }

    /// <summary>
    /// The data quality of the range a command used, announced on stderr (one line) so that no result is computed on
    /// incomplete data without a word; reports put the same numbers in their files.
    /// </summary>
    public static DataQuality ReportQuality(LoadedMarketData loaded, IEnumerable<string> symbols, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        var quality = DataQuality.Of(loaded.Data, symbols, from, to);
        Console.Error.WriteLine(quality.IsClean ? quality.Describe() : $"warning: {quality.Describe()}");
        return quality;
    }
}
