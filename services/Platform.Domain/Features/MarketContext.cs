using System.Security.Cryptography;
using System.Text;
using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>
/// The market a policy sees: the traded symbol's rows with every spec symbol joined as of them (<see cref="Frame"/>)
/// and the spec's raw features on those rows (<see cref="Features"/>), plus the content hash of each kline series they
/// came from. The one way training, evaluation, experiments, exports and benchmarks turn klines into model inputs.
/// </summary>
public sealed record MarketContext(MarketFrame Frame, FeatureMatrix Features, IReadOnlyDictionary<string, string> SeriesHashes, MarketDataSet Data)
{
    /// <summary>Rejected rows and missing bars of every symbol in [from, to): what a caller reports about the range it used.</summary>
    public DataQuality QualityOf(DateTimeOffset from, DateTimeOffset to) => DataQuality.Of(Data, SymbolsFor(Spec, Frame.TradedSymbol), from, to);

    public FeatureSpec Spec => Features.Spec;

    /// <summary>SHA-256 over the series hashes in symbol order: what a model's metadata records as its data.</summary>
    public string DataHash => Combine(SeriesHashes);

    /// <summary>Every symbol the spec reads plus the traded one, spec order first.</summary>
    public static IReadOnlyList<string> SymbolsFor(FeatureSpec spec, string tradedSymbol)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. spec.Symbols.Append(tradedSymbol).Distinct()];
    }

    /// <summary>Builds the frame on <paramref name="tradedSymbol"/>'s rows and the spec's features over <paramref name="data"/>.</summary>
    public static MarketContext Build(MarketDataSet data, FeatureSpec spec, string tradedSymbol)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(tradedSymbol);
        spec.Validate();
        var symbols = SymbolsFor(spec, tradedSymbol);
        var missing = symbols.Where(s => !data.Series.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidRequestException($"The data has no klines for {string.Join(", ", missing)} (the feature spec '{spec.Name}' needs {string.Join(", ", symbols)}).");
        }

        var frame = MarketFrame.Build(data, tradedSymbol, spec.Symbols);
        return new MarketContext(frame, FeatureBuilder.Build(spec, frame), symbols.ToDictionary(s => s, s => data[s].ContentHash(), StringComparer.Ordinal), data);
    }

    /// <summary>
    /// Reads [<paramref name="from"/> − the spec's warm-up, <paramref name="to"/>) from the store (validated like any other
    /// source) and builds the context. When gaps leave the row at <paramref name="from"/> without a full window, the
    /// warm-up is extended until it has one or the store has nothing earlier.
    /// </summary>
    public static async Task<MarketContext> LoadAsync(IMarketDataStore store, FeatureSpec spec, string tradedSymbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        var interval = KlineInterval.OneHour;
        var warmUp = interval.Length * Math.Max(1, spec.WarmUpRows);
        for (var attempt = 0; ; attempt++)
        {
            var data = await ReadValidatedAsync(store, SymbolsFor(spec, tradedSymbol), interval, from - warmUp, to, cancellationToken).ConfigureAwait(false);
            var context = Build(data, spec, tradedSymbol);
            var first = context.Frame.IndexAtOrAfter(from);
            var reachedStart = context.Frame.OpenTime(0) > from - warmUp + interval.Length;
            if (first >= context.Features.FirstObservableRow || reachedStart || attempt == 8)
            {
                return context;
            }

            warmUp *= 2;
        }
    }

    /// <summary>SHA-256 over the content hashes of the series of <paramref name="symbols"/>, in a fixed order.</summary>
    public static string HashOf(MarketDataSet data, IEnumerable<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Combine(symbols.Distinct().ToDictionary(s => s, s => data[s].ContentHash(), StringComparer.Ordinal));
    }

    private static string Combine(IReadOnlyDictionary<string, string> seriesHashes)
    {
        var text = string.Join('\n', seriesHashes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static async Task<MarketDataSet> ReadValidatedAsync(IMarketDataStore store, IEnumerable<string> symbols, KlineInterval interval, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var read = new List<(string, IReadOnlyList<Kline>)>();
        foreach (var symbol in symbols)
        {
            var stored = await store.ReadAsync(symbol, interval, from, to, cancellationToken).ConfigureAwait(false);
            if (stored.Count == 0)
            {
                throw new InvalidRequestException($"The market-data store has no {symbol} klines in [{from:yyyy-MM-dd}, {to:yyyy-MM-dd}); run the backfill first.");
            }

            read.Add((symbol, stored.Klines));
        }

        return MarketDataSet.Validate(read, interval, "market-store");
    }
}
