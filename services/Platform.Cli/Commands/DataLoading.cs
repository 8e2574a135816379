using Platform.Domain.MarketData;
using Platform.MarketData;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>Loads a data directory with a progress bar (one step per file).</summary>
internal static class DataLoading
{
    public static LoadedMarketData Load(string directory, KlineInterval interval, IReadOnlyCollection<string>? symbols = null)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"--data: directory '{directory}' does not exist");
        }

        var files = Directory.EnumerateFiles(directory).Where(KlineFileReader.IsKlineFile)
            .Count(f => symbols is null || symbols.Contains(MarketDataLoader.SymbolOf(f)));
        LoadedMarketData? loaded = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("loading market data", maxValue: Math.Max(files, 1));
                loaded = MarketDataLoader.LoadDirectory(directory, interval, symbols, new Progress<string>(_ => task.Increment(1)));
                task.Value = task.MaxValue;
            });
        return loaded!;
    }
}
