using Platform.Domain.MarketData;

namespace Platform.Domain.Features;

/// <summary>
/// One feature row as the feature service publishes it: the traded symbol's bar (open time and its closed kline, so a
/// consumer can act at its close), the spec's raw values (the model normalises them itself), which spec computed them
/// (name, version, content hash), the klines it used (lineage) and the trace it belongs to.
/// </summary>
public sealed record StreamedFeatureRow(
    string Symbol,
    DateTimeOffset OpenTime,
    string SpecName,
    int SpecVersion,
    string SpecHash,
    IReadOnlyList<float> Values,
    bool Complete,
    Kline TradedKline,
    IReadOnlyList<string> KlineIds,
    DateTimeOffset ComputedAt,
    string? TraceParent = null)
{
    public static StreamedFeatureRow From(LiveFeatureRow row, FeatureSpec spec, string symbol, DateTimeOffset computedAt, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(spec);
        return new(symbol, row.OpenTime, spec.Name, spec.Version, spec.ContentHash, row.Values, row.Complete, row.TradedKline, row.KlineIds, computedAt, traceParent);
    }

    /// <summary>The row as the decision loop takes it (its row number is the stream's, unknown here: -1).</summary>
    public LiveFeatureRow ToLiveRow() => new(OpenTime, TradedKline, -1, [.. Values], Complete) { KlineIds = KlineIds };
}
