namespace Platform.Binance.Trading;

/// <summary>Base and quote asset of a spot symbol (BTCUSDT → BTC, USDT), by the quote assets Binance lists.</summary>
public static class SymbolAssets
{
    private static readonly string[] QuoteAssets = ["USDT", "FDUSD", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"];

    public static (string Base, string Quote) Split(string symbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        var quote = QuoteAssets.FirstOrDefault(q => symbol.EndsWith(q, StringComparison.Ordinal) && symbol.Length > q.Length) ?? symbol[^Math.Min(4, symbol.Length)..];
        return (symbol[..^quote.Length], quote);
    }
}
