using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Platform.Mlflow.ModelFormat;

/// <summary>Z-score normalisation of one input feature, as fitted on the training data.</summary>
public sealed record FeatureNormalisation(string Feature, double Mean, double StdDev);

/// <summary>
/// What a Platform model needs besides its weights to be used for inference, and what makes it reproducible:
/// the network kind, the exact feature specification (and its hash, checked at load time), the normalisation, the hash
/// of the training data, the seed and the code version. Stored as <c>platform_model.json</c> next to the weights.
/// </summary>
public sealed record PlatformModelMetadata
{
    /// <summary>Version of this metadata format; loaders reject versions they do not know.</summary>
    public int FormatVersion { get; init; } = PlatformModelFormat.CurrentFormatVersion;

    /// <summary>Q-network kind, for example <c>linear</c> or <c>lstm</c>.</summary>
    public required string NetworkKind { get; init; }

    /// <summary>Canonical text of the feature specification (for example its JSON), exactly as the feature pipeline emits it.</summary>
    public required string FeatureSpec { get; init; }

    /// <summary>Lower-case hex SHA-256 of <see cref="FeatureSpec"/> (UTF-8); see <see cref="HashFeatureSpec"/>.</summary>
    public required string FeatureSpecHash { get; init; }

    /// <summary>Per-feature normalisation, in feature order.</summary>
    public IReadOnlyList<FeatureNormalisation> Normalisation { get; init; } = [];

    /// <summary>Hash of the training data (for example SHA-256 of the candle files used).</summary>
    public required string DataHash { get; init; }

    /// <summary>Random seed of the training run.</summary>
    public required long Seed { get; init; }

    /// <summary>Code version that trained the model (for example the git commit).</summary>
    public required string CodeVersion { get; init; }

    /// <summary>Further string facts about the model (action space, window length, ...), free form.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The hash stored in <see cref="FeatureSpecHash"/> for a given feature specification text.</summary>
    public static string HashFeatureSpec(string featureSpec)
    {
        ArgumentNullException.ThrowIfNull(featureSpec);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(featureSpec)));
    }

    /// <summary>Throws <see cref="PlatformModelFormatException"/> when a field is missing or the feature hash does not match.</summary>
    public void Validate()
    {
        Require(NetworkKind, "network_kind");
        Require(FeatureSpec, "feature_spec");
        Require(DataHash, "data_hash");
        Require(CodeVersion, "code_version");
        if (!string.Equals(FeatureSpecHash, HashFeatureSpec(FeatureSpec), StringComparison.Ordinal))
        {
            throw new PlatformModelFormatException($"feature_spec_hash '{FeatureSpecHash}' does not match the feature specification (expected {HashFeatureSpec(FeatureSpec)}).");
        }

        foreach (var normalisation in Normalisation)
        {
            if (string.IsNullOrEmpty(normalisation.Feature) || !double.IsFinite(normalisation.Mean) || !double.IsFinite(normalisation.StdDev) || normalisation.StdDev <= 0)
            {
                throw new PlatformModelFormatException($"Invalid normalisation for feature '{normalisation.Feature}': mean must be finite and std_dev finite and positive.");
            }
        }
    }

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new PlatformModelFormatException($"Model metadata field '{field}' is required.");
        }
    }
}

/// <summary>The platform flavor inside an MLmodel descriptor.</summary>
public sealed record PlatformFlavor
{
    public int FormatVersion { get; init; } = PlatformModelFormat.CurrentFormatVersion;
    public string NetworkKind { get; init; } = "";

    /// <summary>Identifies how the weights file is encoded; the loading codec must have the same format.</summary>
    public string WeightsFormat { get; init; } = "";
    public string Weights { get; init; } = PlatformModelFormat.WeightsFileName;
    public string WeightsSha256 { get; init; } = "";
    public long WeightsSize { get; init; }
    public string Metadata { get; init; } = PlatformModelFormat.MetadataFileName;
    public string FeatureSpecHash { get; init; } = "";
    public string CodeVersion { get; init; } = "";
}

/// <summary>
/// The MLmodel descriptor, MLflow's model manifest. Written as JSON, which is also valid YAML, so MLflow's own tools can
/// read it; MLflow keys <c>artifact_path</c>, <c>flavors</c>, <c>model_uuid</c>, <c>run_id</c>, <c>utc_time_created</c>.
/// </summary>
public sealed record MlModelDescriptor
{
    public string ArtifactPath { get; init; } = "";
    public Dictionary<string, PlatformFlavor> Flavors { get; init; } = [];
    public string ModelUuid { get; init; } = "";
    public string RunId { get; init; } = "";
    public string UtcTimeCreated { get; init; } = "";
    public Dictionary<string, string> Metadata { get; init; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(PlatformModelMetadata))]
[JsonSerializable(typeof(MlModelDescriptor))]
internal sealed partial class ModelFormatJsonContext : JsonSerializerContext;

/// <summary>A model file is missing, malformed, of another flavor or format, or fails its integrity checks.</summary>
public sealed class PlatformModelFormatException : Exception
{
    public PlatformModelFormatException()
    {
    }

    public PlatformModelFormatException(string message)
        : base(message)
    {
    }

    public PlatformModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
