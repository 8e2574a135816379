using Platform.Domain.Backtesting;
using Platform.Domain.Trading;
using ScottPlot;

namespace Platform.Reporting;

/// <summary>The paper's figures: price with buy/sell markers, cumulative profit, capital (cash) over time.</summary>
public static class Charts
{
    private const int Width = 1400;
    private const int Height = 600;

    public static IReadOnlyList<string> WriteBacktestCharts(BacktestResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        var x = result.OpenTimeMs.Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToOADate()).ToArray();
        var title = $"{result.Policy} · {result.Symbol}";
        var initial = result.Metrics.InitialEquity;
        return
        [
            PriceWithTrades(result, x, title, Path.Combine(directory, "price.png")),
            Line(x, [.. result.Equity.Select(e => (double)(e - initial))], $"{title} · cumulative profit (USDT)", "profit", Colors.DarkGreen, Path.Combine(directory, "profit.png")),
            Line(x, [.. result.Cash.Select(c => (double)c)], $"{title} · capital: cash balance (USDT)", "cash", Colors.DarkOrange, Path.Combine(directory, "capital.png")),
        ];
    }

    /// <summary>One line per series on a shared time axis, e.g. several policies' profit.</summary>
    public static string Compare(IReadOnlyList<(string Label, double[] X, double[] Y)> series, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(series);
        using var plot = new Plot();
        foreach (var (label, x, y) in series)
        {
            var line = plot.Add.ScatterLine(x, y);
            line.LegendText = label;
            line.LineWidth = 1.5f;
        }

        plot.Axes.DateTimeTicksBottom();
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string PriceWithTrades(BacktestResult result, double[] x, string title, string path)
    {
        using var plot = new Plot();
        var price = plot.Add.ScatterLine(x, [.. result.Price.Select(p => (double)p)]);
        price.LegendText = "close";
        price.Color = Colors.SteelBlue;
        AddMarkers(plot, result.Trades.Where(t => t.Side == TradeSide.Buy), MarkerShape.FilledTriangleUp, Colors.Green, "buy");
        AddMarkers(plot, result.Trades.Where(t => t.Side == TradeSide.Sell), MarkerShape.FilledTriangleDown, Colors.Red, "sell");
        plot.Axes.DateTimeTicksBottom();
        plot.Title($"{title} · price with trades");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static void AddMarkers(Plot plot, IEnumerable<Trade> trades, MarkerShape shape, Color color, string label)
    {
        var list = trades.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var markers = plot.Add.Markers(
            list.Select(t => t.Time.UtcDateTime.ToOADate()).ToArray(),
            list.Select(t => (double)t.Price).ToArray(),
            shape,
            7,
            color);
        markers.LegendText = label;
    }

    private static string Line(double[] x, double[] y, string title, string label, Color color, string path)
    {
        using var plot = new Plot();
        var line = plot.Add.ScatterLine(x, y);
        line.Color = color;
        line.LegendText = label;
        plot.Axes.DateTimeTicksBottom();
        plot.Title(title);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
