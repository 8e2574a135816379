using Microsoft.Extensions.Logging;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>Says what the market data of an activity's range lacks: in its log, and on its span.</summary>
internal static partial class DataQualityReport
{
    /// <summary>
    /// The data quality of the range an activity uses, logged (a warning when rows were rejected or bars are missing)
    /// and put on the current span, so no model is trained or judged on incomplete data without a word.
    /// </summary>
    public static DataQuality Report(MarketContext market, DateTimeOffset from, DateTimeOffset to, string purpose)
    {
        var quality = market.QualityOf(from, to);
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
