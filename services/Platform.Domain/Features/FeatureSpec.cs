using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Domain.Features;

/// <summary>A scale-free, stationary input computed from one symbol's klines.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>ln(close_t / close_{t-1}).</summary>
    LogReturn,

    /// <summary>ln((v_t / mean(v over the lookback) + 0.01) / 1.01): 0 at an average hour, bounded below.</summary>
    LogVolumeRatio,

    /// <summary>The same ratio for the number of trades.</summary>
    LogTradeCountRatio,

    /// <summary>taker-buy volume / volume − 0.5: who was aggressive in the hour.</summary>
    TakerBuyImbalance,

    /// <summary>ln(high / low): the hour's range.</summary>
    LogRange,
}

/// <summary>The features taken from one symbol.</summary>
public sealed record SymbolFeatures(string Symbol, IReadOnlyList<FeatureKind> Features);

/// <summary>
/// A named, versioned feature definition. Models, the streaming job and the registry refer to it by
/// <see cref="ContentHash"/>, which changes whenever anything that affects the values changes.
/// </summary>
public sealed record FeatureSpec(string Name, int Version, int WindowLength, int Lookback, IReadOnlyList<SymbolFeatures> Inputs)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The paper's inputs: close, volume, trades and taker-buy volume of five USDT pairs, 24-hour window.</summary>
    public static FeatureSpec PaperDefault { get; } = new(
        "paper-hourly",
        1,
        WindowLength: 24,
        Lookback: 24,
        [
            new("BTCUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio, FeatureKind.LogTradeCountRatio, FeatureKind.TakerBuyImbalance]),
            new("ETHUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio, FeatureKind.LogTradeCountRatio, FeatureKind.TakerBuyImbalance]),
            new("BNBUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio, FeatureKind.LogTradeCountRatio, FeatureKind.TakerBuyImbalance]),
            new("XRPUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio, FeatureKind.LogTradeCountRatio, FeatureKind.TakerBuyImbalance]),
            new("LTCUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio]),
        ]);

    [JsonIgnore]
    public int FeatureCount => Inputs.Sum(i => i.Features.Count);

    [JsonIgnore]
    public IEnumerable<string> Symbols => Inputs.Select(i => i.Symbol);

    /// <summary>Column names, e.g. "BTCUSDT.log_return", in matrix order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> FeatureNames =>
        [.. Inputs.SelectMany(i => i.Features.Select(f => $"{i.Symbol}.{JsonNamingPolicy.SnakeCaseLower.ConvertName(f.ToString())}"))];

    [JsonIgnore]
    public string ContentHash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static FeatureSpec FromJson(string json)
    {
        FeatureSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<FeatureSpec>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"Feature spec is not valid JSON: {e.Message}", e);
        }

        if (spec is null)
        {
            throw new InvalidRequestException("Feature spec is empty.");
        }

        spec.Validate();
        return spec;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first thing wrong with the spec.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new InvalidRequestException("Feature spec needs a name.");
        }

        if (Version < 1)
        {
            throw new InvalidRequestException($"Feature spec '{Name}': version must be >= 1.");
        }

        if (WindowLength < 1)
        {
            throw new InvalidRequestException($"Feature spec '{Name}': window_length must be >= 1.");
        }

        if (Lookback < 1)
        {
            throw new InvalidRequestException($"Feature spec '{Name}': lookback must be >= 1.");
        }

        if (Inputs is null || Inputs.Count == 0 || Inputs.Any(i => i.Features is null || i.Features.Count == 0))
        {
            throw new InvalidRequestException($"Feature spec '{Name}': every input needs a symbol and at least one feature.");
        }

        var duplicate = Inputs.GroupBy(i => i.Symbol).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidRequestException($"Feature spec '{Name}': symbol {duplicate.Key} is listed twice.");
        }
    }
}
