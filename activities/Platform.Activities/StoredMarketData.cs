using Microsoft.Extensions.Logging;
using Platform.Domain;
using Platform.Domain.MarketData;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>Reads what training and evaluation need from the market-data store, validated like any other source.</summary>
internal static partial class StoredMarketData
{
    public static async Task<MarketDataSet> LoadAsync(IMarketDataStore store, IEnumerable<string> symbols, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var series = new Dictionary<string, KlineSeries>(StringComparer.Ordinal);
        var reports = new List<SymbolValidationReport>();
        foreach (var symbol in symbols.Distinct())
        {
            var stored = await store.ReadAsync(symbol, KlineInterval.OneHour, from, to, cancellationToken);
            if (stored.Count == 0)
            {
                throw new InvalidRequestException($"The market-data store has no {symbol} klines in [{from:yyyy-MM-dd}, {to:yyyy-MM-dd}); run the backfill first.");
            }

            var (validated, report) = KlineValidator.Validate(symbol, stored.Interval, [.. stored.Klines.Select((k, i) => new SourcedKline(k, "market-store", i + 1))]);
            series[symbol] = validated;
            reports.Add(report);
        }

        return new MarketDataSet(series, reports);
    }

    /// <summary>
    /// The data quality of the range an activity uses, logged (a warning when rows were rejected or bars are missing)
    /// and put on the current span, so no model is trained or judged on incomplete data without a word.
    /// </summary>
    public static DataQuality Report(MarketDataSet data, IEnumerable<string> symbols, DateTimeOffset from, DateTimeOffset to, string purpose)
    {
        var quality = DataQuality.Of(data, symbols, from, to);
        var logger = ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.Logger : null;
        if (logger is not null && logger.IsEnabled(quality.IsClean ? LogLevel.Information : LogLevel.Warning))
        {
            var text = quality.Describe();
            if (quality.IsClean)
            {
                LogComplete(logger, purpose, text);
            }
            else
            {
                LogIncomplete(logger, purpose, quality.RejectedRows, quality.MissingBars, text);
            }
        }

        System.Diagnostics.Activity.Current?.SetTag("data.rejected_rows", quality.RejectedRows).SetTag("data.missing_bars", quality.MissingBars);
        return quality;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Purpose} {Quality}")]
    private static partial void LogComplete(ILogger logger, string purpose, string quality);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Purpose}: {RejectedRows} rejected rows and {MissingBars} missing bars in the range ({Quality})")]
    private static partial void LogIncomplete(ILogger logger, string purpose, int rejectedRows, int missingBars, string quality);
}
