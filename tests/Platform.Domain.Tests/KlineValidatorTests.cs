using Platform.Domain.MarketData;

namespace Platform.Domain.Tests;

public class KlineValidatorTests
{
    private static IReadOnlyList<SourcedKline> Rows(params Kline[] klines) => [.. klines.Select((k, i) => new SourcedKline(k, "f.csv", i + 2))];

    [Fact]
    public void Validate_CleanSeries_AcceptsEverything()
    {
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), TestData.Candle(1, 101)));

        Assert.Equal(2, series.Count);
        Assert.True(report.IsClean);
        Assert.Empty(report.Gaps);
        Assert.Equal(2, report.RowsRead);
    }

    [Fact]
    public void Validate_IdenticalDuplicate_QuarantinesSecondWithReason()
    {
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), TestData.Candle(0, 100)));

        Assert.Single(series.Klines);
        var rejected = Assert.Single(report.Rejected);
        Assert.Equal(RejectionReason.DuplicateOpenTime, rejected.Reason);
        Assert.Equal(3, rejected.Line);
        Assert.Contains("identical to f.csv:2", rejected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ConflictingDuplicate_KeepsFirstAndSaysSo()
    {
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), TestData.Candle(0, 105)));

        Assert.Equal(100m, series.Klines[0].Close);
        Assert.Contains("conflicts with f.csv:2", Assert.Single(report.Rejected).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutOfOrderRow_IsQuarantinedNotSorted()
    {
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), TestData.Candle(2, 102), TestData.Candle(1, 101)));

        Assert.Equal([0, 2], series.Klines.Select(k => (int)(k.OpenTime - TestData.Start).TotalHours));
        Assert.Equal(RejectionReason.OutOfOrder, Assert.Single(report.Rejected).Reason);
        Assert.Equal(1, Assert.Single(report.Gaps).Count);
    }

    [Fact]
    public void Validate_NegativeVolume_IsRejected()
    {
        var bad = TestData.Candle(1, 100) with { Volume = -1m };
        var (_, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), bad));

        Assert.Equal(RejectionReason.NegativeValue, Assert.Single(report.Rejected).Reason);
    }

    [Fact]
    public void Validate_HighBelowClose_IsOhlcInconsistent()
    {
        var bad = TestData.Candle(0, 100) with { High = 99m };
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(bad));

        Assert.Equal(0, series.Count);
        Assert.Equal(RejectionReason.OhlcInconsistent, Assert.Single(report.Rejected).Reason);
    }

    [Fact]
    public void Validate_ZeroPrice_IsRejected()
    {
        var bad = TestData.Candle(0, 100) with { Low = 0m };
        var (_, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(bad));

        Assert.Equal(RejectionReason.NonPositivePrice, Assert.Single(report.Rejected).Reason);
    }

    [Fact]
    public void Validate_ZeroVolumeCandle_IsKeptWithWarning()
    {
        var quiet = TestData.Candle(1, 100, volume: 0m, trades: 0, takerBuy: 0m);
        var (series, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), quiet));

        Assert.Equal(2, series.Count);
        Assert.True(report.IsClean);
        Assert.Equal(KlineWarningKind.ZeroVolume, Assert.Single(report.Warnings).Kind);
    }

    [Fact]
    public void Validate_MisalignedOpenTime_IsRejected()
    {
        var bad = TestData.Candle(1, 100) with { OpenTime = TestData.Start.AddMinutes(90) };
        var (_, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 100), bad));

        Assert.Equal(RejectionReason.MisalignedOpenTime, Assert.Single(report.Rejected).Reason);
    }

    [Fact]
    public void Validate_MissingHours_ReportsEachGapWithCount()
    {
        var (_, report) = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 1), TestData.Candle(3, 1), TestData.Candle(4, 1), TestData.Candle(6, 1)));

        Assert.Equal(2, report.Gaps.Count);
        Assert.Equal(new MissingRange(TestData.Start.AddHours(1), TestData.Start.AddHours(2), 2), report.Gaps[0]);
        Assert.Equal(new MissingRange(TestData.Start.AddHours(5), TestData.Start.AddHours(5), 1), report.Gaps[1]);
        Assert.Equal(3, report.MissingBars);
    }

    [Fact]
    public void CommonMissingOpenTimes_GapsInAllSymbols_ReturnsOnlyShared()
    {
        var btc = KlineValidator.Validate("BTCUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 1), TestData.Candle(3, 1)));
        var eth = KlineValidator.Validate("ETHUSDT", KlineInterval.OneHour, Rows(TestData.Candle(0, 1), TestData.Candle(2, 1), TestData.Candle(3, 1)));
        var set = new MarketDataSet(new Dictionary<string, KlineSeries> { ["BTCUSDT"] = btc.Series, ["ETHUSDT"] = eth.Series }, [btc.Report, eth.Report]);

        Assert.Equal([TestData.Start.AddHours(1)], set.CommonMissingOpenTimes());
    }

    [Fact]
    public void KlineIntervalParse_UnknownCode_ThrowsClearError()
    {
        var e = Assert.Throws<InvalidRequestException>(() => KlineInterval.Parse("7x"));
        Assert.Contains("7x", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(15), KlineInterval.Parse("15m").Length);
        Assert.Equal(8760d, KlineInterval.OneHour.PeriodsPerYear, 6);
    }
}
