namespace Platform.Domain.MarketData;

/// <summary>Validated klines of one symbol, strictly increasing in open time, all aligned to the interval.</summary>
public sealed class KlineSeries
{
    public KlineSeries(string symbol, KlineInterval interval, IReadOnlyList<Kline> klines)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentNullException.ThrowIfNull(klines);
        for (var i = 1; i < klines.Count; i++)
        {
            if (klines[i].OpenTime <= klines[i - 1].OpenTime)
            {
                throw new ArgumentException($"{symbol}: klines must be strictly increasing in open time (index {i}).", nameof(klines));
            }
        }

        Symbol = symbol;
        Interval = interval;
        Klines = klines;
    }

    public string Symbol { get; }

    public KlineInterval Interval { get; }

    public IReadOnlyList<Kline> Klines { get; }

    public int Count => Klines.Count;

    public bool HasTradeCount => Klines.Any(k => k.TradeCount.HasValue);

    public bool HasTakerBuyVolume => Klines.Any(k => k.TakerBuyBaseVolume.HasValue);

    /// <summary>A SHA-256 over every value, so a model can say exactly which data it was trained on.</summary>
    public string ContentHash()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var writer = new System.Text.StringBuilder();
        writer.Append(Symbol).Append('|').Append(Interval.Code).Append('\n');
        foreach (var k in Klines)
        {
            writer.Append(k.OpenTime.ToUnixTimeMilliseconds()).Append(',')
                .Append(k.Open).Append(',').Append(k.High).Append(',').Append(k.Low).Append(',').Append(k.Close).Append(',')
                .Append(k.Volume).Append(',').Append(k.TradeCount).Append(',').Append(k.TakerBuyBaseVolume).Append('\n');
            if (writer.Length > 1 << 16)
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(writer.ToString()));
                writer.Clear();
            }
        }

        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(writer.ToString()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
