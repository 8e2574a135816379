using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Domain.Backtesting;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;

namespace Platform.Reporting;

/// <summary>The metrics.json document: snake_case, stable names that other tools and later issues read.</summary>
public sealed record BacktestMetricsDocument(
    string Policy,
    string Symbol,
    DateTimeOffset From,
    DateTimeOffset To,
    decimal InitialEquity,
    decimal FinalEquity,
    decimal FinalProfit,
    int BuyOrders,
    int SellOrders,
    double ReturnPct,
    double Sharpe,
    double Sortino,
    double MaxDrawdownPct,
    double WinRate,
    double Exposure,
    double Turnover,
    decimal FeesPaid,
    decimal RealizedPnl,
    decimal UnrealizedPnl,
    int Bars,
    decimal FeeRate,
    decimal SlippageBps,
    string Sizing,
    decimal SizeValue,
    int MaxLots,
    DataQuality DataQuality)
{
    public static BacktestMetricsDocument Of(BacktestResult result, TradingOptions options, DataQuality dataQuality)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataQuality);
        var m = result.Metrics;
        return new BacktestMetricsDocument(
            result.Policy, result.Symbol, result.From, result.To, m.InitialEquity, m.FinalEquity, m.FinalProfit, m.BuyOrders, m.SellOrders,
            Math.Round(m.ReturnPct, 6), Math.Round(m.Sharpe, 6), Math.Round(m.Sortino, 6), Math.Round(m.MaxDrawdownPct, 6),
            Math.Round(m.WinRate, 6), Math.Round(m.Exposure, 6), Math.Round(m.Turnover, 6), m.FeesPaid, m.RealizedPnl, m.UnrealizedPnl, m.Bars,
            options.FeeRate, options.SlippageBps, options.Sizing.ToString(), options.SizeValue, options.MaxLots, dataQuality);
    }
}

/// <summary>
/// Writes a backtest's folder: metrics.json, trades.csv, equity.csv, three PNG charts and summary.md; metrics.json and
/// summary.md state the data quality of the range (rejected rows, missing bars).
/// </summary>
public static class BacktestReport
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static IReadOnlyList<string> Write(BacktestResult result, TradingOptions options, DataQuality dataQuality, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var written = new List<string>
        {
            WriteText(directory, "metrics.json", JsonSerializer.Serialize(BacktestMetricsDocument.Of(result, options, dataQuality), JsonOptions) + "\n"),
            WriteText(directory, "trades.csv", TradesCsv(result)),
            WriteText(directory, "equity.csv", EquityCsv(result)),
        };
        written.AddRange(Charts.WriteBacktestCharts(result, directory));
        written.Add(WriteText(directory, "summary.md", Summary(result, options, dataQuality)));
        return written;
    }

    public static string TradesCsv(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sb = new StringBuilder("time,side,price,fill_price,quantity,notional,fee,realized_pnl,cash_after,position_after\n");
        foreach (var t in result.Trades)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{t.Time:yyyy-MM-ddTHH:mm:ssZ},{(t.Side == TradeSide.Buy ? "buy" : "sell")},{t.Price},{t.FillPrice},{t.Quantity},{t.Notional},{t.Fee},{t.RealizedPnl},{t.CashAfter},{t.PositionAfter}\n");
        }

        return sb.ToString();
    }

    public static string EquityCsv(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sb = new StringBuilder("time,close,cash,position,equity,profit\n");
        var initial = result.Metrics.InitialEquity;
        for (var i = 0; i < result.Equity.Count; i++)
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(result.OpenTimeMs[i]);
            sb.Append(CultureInfo.InvariantCulture, $"{time:yyyy-MM-ddTHH:mm:ssZ},{result.Price[i]},{result.Cash[i]},{result.Position[i]},{result.Equity[i]},{result.Equity[i] - initial}\n");
        }

        return sb.ToString();
    }

    public static string Summary(BacktestResult result, TradingOptions options, DataQuality dataQuality)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataQuality);
        var m = result.Metrics;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Backtest: {result.Policy} on {result.Symbol}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{result.From:yyyy-MM-dd HH:mm} to {result.To:yyyy-MM-dd HH:mm} UTC (to exclusive), {m.Bars} bars. " +
            $"Start {options.InitialCash:N2} USDT, fee {options.FeeRate * 100m:0.###}% per fill, slippage {options.SlippageBps} bps, " +
            $"sizing {options.Sizing} {options.SizeValue}, at most {options.MaxLots} lot(s); fills at the bar's close.");
        sb.AppendLine();
        sb.AppendLine(DataQualityLine(dataQuality));
        sb.AppendLine();
        sb.AppendLine("| metric | value |");
        sb.AppendLine("|---|---|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| final profit (USDT) | {m.FinalProfit:N2} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| return | {m.ReturnPct:0.00}% |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| buy / sell orders | {m.BuyOrders} / {m.SellOrders} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| Sharpe (annualised) | {m.Sharpe:0.00} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| Sortino (annualised) | {m.Sortino:0.00} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| max drawdown | {m.MaxDrawdownPct:0.00}% |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| win rate (closed lots) | {m.WinRate * 100:0.0}% |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| exposure | {m.Exposure * 100:0.0}% |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| turnover (× avg equity) | {m.Turnover:0.00} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| fees paid (USDT) | {m.FeesPaid:N2} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| realised / unrealised P&L (USDT) | {m.RealizedPnl:N2} / {m.UnrealizedPnl:N2} |");
        sb.AppendLine();
        sb.AppendLine("![price and trades](price.png)");
        sb.AppendLine("![cumulative profit](profit.png)");
        sb.AppendLine("![capital](capital.png)");
        return sb.ToString();
    }

    /// <summary>The summary's data line: what the range's data lacked (quarantined rows, missing bars), or that it lacked nothing.</summary>
    public static string DataQualityLine(DataQuality dataQuality)
    {
        ArgumentNullException.ThrowIfNull(dataQuality);
        return dataQuality.IsClean
            ? $"Data: complete ({dataQuality.Describe()})."
            : $"**Data: {dataQuality.RejectedRows} rejected row(s) and {dataQuality.MissingBars} missing bar(s) in the range** ({dataQuality.Describe()}); rejected rows are left out; a missing bar has no row in the traded symbol and repeats the last kline with zero volume in the others.";
    }

    private static string WriteText(string directory, string name, string content)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
