using Platform.Domain.MarketData;

namespace Platform.Domain.Tests;

public sealed class DataQualityTests
{
    private static readonly DateTimeOffset Start = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MarketDataSet Data(IEnumerable<int> hours, params RejectedRow[] rejected)
    {
        var rows = hours.Select((h, i) => new SourcedKline(new Kline(Start.AddHours(h), 100m, 101m, 99m, 100m, 1m), "t.csv", i + 1)).ToList();
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, rows, rejected, ["t.csv"]);
        return new MarketDataSet(new Dictionary<string, KlineSeries> { ["BTCUSDT"] = series }, [report]);
    }

    [Fact]
    public void Of_GapsAndRejectedRows_CountsOnlyWhatLiesInTheRange()
    {
        // Hours 10-12 and 30-31 missing; one rejected row at hour 11, one at hour 40, one without an open time.
        var data = Data(Enumerable.Range(0, 50).Where(h => h is not (>= 10 and <= 12) and not (30 or 31)),
            new RejectedRow("t.csv", 99, Start.AddHours(11), RejectionReason.NonFiniteValue, "x"),
            new RejectedRow("t.csv", 98, Start.AddHours(40), RejectionReason.NonFiniteValue, "x"),
            new RejectedRow("t.csv", 97, null, RejectionReason.NonFiniteValue, "x"));

        var quality = DataQuality.Of(data, ["BTCUSDT"], Start.AddHours(11), Start.AddHours(31));

        var btc = Assert.Single(quality.Symbols);
        Assert.Equal(2, btc.RejectedRows); // hour 11 and the one whose time is unknown
        Assert.Equal([new MissingRange(Start.AddHours(11), Start.AddHours(12), 2), new MissingRange(Start.AddHours(30), Start.AddHours(30), 1)], btc.Gaps);
        Assert.Equal(3, quality.MissingBars);
        Assert.False(quality.IsClean);
        Assert.Equal("data 2023-01-01 11:00..2023-01-02 07:00 UTC: BTCUSDT 2 rejected rows, 3 missing bars in 2 gaps", quality.Describe());
    }

    [Fact]
    public void Of_RangeWithoutProblems_IsClean()
    {
        var quality = DataQuality.Of(Data(Enumerable.Range(0, 48).Where(h => h != 5)), ["BTCUSDT"], Start.AddHours(6), Start.AddHours(40));

        Assert.True(quality.IsClean);
        Assert.Equal("data 2023-01-01 06:00..2023-01-02 16:00 UTC: BTCUSDT 0 rejected rows, 0 missing bars", quality.Describe());
    }
}
