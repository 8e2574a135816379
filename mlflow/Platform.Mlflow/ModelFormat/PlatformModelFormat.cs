using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.ModelFormat;

/// <summary>
/// Writes and reads the weights of one kind of model checkpoint. The DQN checkpoint plugs in here: it names its
/// <see cref="WeightsFormat"/>, serialises the network's weights, and rebuilds the network from weights and metadata.
/// </summary>
/// <typeparam name="TModel">The in-memory model.</typeparam>
public interface IModelCheckpointCodec<TModel>
{
    /// <summary>Identifies the weights encoding, for example <c>torchsharp-state-dict/1</c>; recorded in the MLmodel flavor.</summary>
    string WeightsFormat { get; }

    /// <summary>Writes the model's weights.</summary>
    Task WriteWeightsAsync(TModel model, Stream destination, CancellationToken cancellationToken);

    /// <summary>Rebuilds a model from its metadata and weights.</summary>
    Task<TModel> ReadAsync(PlatformModelMetadata metadata, Stream weights, CancellationToken cancellationToken);
}

/// <summary>Where a model was logged: the run and the artifact URI of the model folder (the model version's source).</summary>
public sealed record LoggedModel(string RunId, string ArtifactUri);

/// <summary>A model loaded back from MLflow, with its metadata and, when loaded through the registry, its version.</summary>
public sealed record LoadedModel<TModel>(TModel Model, PlatformModelMetadata Metadata, MlModelDescriptor Descriptor, ModelVersion? Version);

/// <summary>
/// How a Platform model lives in MLflow. A model is a run artifact folder (default <c>model/</c>) holding
/// <list type="bullet">
/// <item><c>MLmodel</c>: MLflow's manifest with the flavor <c>platform_dqn</c> (weights format, SHA-256 and size of the weights, network kind, feature hash, code version);</item>
/// <item><c>weights.bin</c>: the weights, written by an <see cref="IModelCheckpointCodec{TModel}"/>;</item>
/// <item><c>platform_model.json</c>: <see cref="PlatformModelMetadata"/> (network kind, feature spec + hash, normalisation, data hash, seed, code version).</item>
/// </list>
/// A version is registered with <c>source = &lt;run artifact_uri&gt;/model</c>, so <c>models:/&lt;name&gt;@champion</c> alone is
/// enough to load it: alias → version → source → files, checked against the hashes before the codec sees the weights.
/// </summary>
public sealed class PlatformModelFormat(MlflowClient client)
{
    /// <summary>The MLmodel flavor name of Platform models.</summary>
    public const string FlavorName = "platform_dqn";

    /// <summary>Format version written by this code; readers accept this version only.</summary>
    public const int CurrentFormatVersion = 1;

    public const string DescriptorFileName = "MLmodel";
    public const string WeightsFileName = "weights.bin";
    public const string MetadataFileName = "platform_model.json";
    public const string DefaultArtifactPath = "model";

    /// <summary>Alias of the version that trades.</summary>
    public const string ChampionAlias = "champion";

    /// <summary>Alias of the version under evaluation against the champion.</summary>
    public const string ChallengerAlias = "challenger";

    private readonly MlflowClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>Logs a model as artifacts of <paramref name="run"/> under <paramref name="artifactPath"/>.</summary>
    public async Task<LoggedModel> LogModelAsync<TModel>(Run run, TModel model, PlatformModelMetadata metadata, IModelCheckpointCodec<TModel> codec, string artifactPath = DefaultArtifactPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(codec);
        metadata.Validate();
        var folder = MlflowValidation.ValidateArtifactPath(artifactPath);
        if (folder.Length == 0)
        {
            throw MlflowValidation.Invalid("The model needs a non-empty artifact path, for example 'model'.");
        }

        // Weights go to a temporary file: hashing and uploading must not need the whole checkpoint in memory twice.
        var weightsFile = Path.Combine(Path.GetTempPath(), $"platform-weights-{Guid.NewGuid():N}.bin");
        try
        {
            await using (var output = File.Create(weightsFile))
            {
                await codec.WriteWeightsAsync(model, output, cancellationToken).ConfigureAwait(false);
            }

            string sha256;
            long size;
            await using (var input = File.OpenRead(weightsFile))
            {
                size = input.Length;
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(input, cancellationToken).ConfigureAwait(false));
            }

            var descriptor = new MlModelDescriptor
            {
                ArtifactPath = folder,
                RunId = run.Info.RunId,
                ModelUuid = Guid.NewGuid().ToString("N"),
                UtcTimeCreated = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
                Flavors = new Dictionary<string, PlatformFlavor>
                {
                    [FlavorName] = new()
                    {
                        NetworkKind = metadata.NetworkKind,
                        WeightsFormat = codec.WeightsFormat,
                        WeightsSha256 = sha256,
                        WeightsSize = size,
                        FeatureSpecHash = metadata.FeatureSpecHash,
                        CodeVersion = metadata.CodeVersion,
                    },
                },
                Metadata = new Dictionary<string, string>
                {
                    ["data_hash"] = metadata.DataHash,
                    ["seed"] = metadata.Seed.ToString(CultureInfo.InvariantCulture),
                },
            };

            var root = run.Info.ArtifactUri;
            await _client.UploadArtifactAsync(root, folder + "/" + WeightsFileName, () => File.OpenRead(weightsFile), cancellationToken).ConfigureAwait(false);
            await _client.UploadArtifactBytesAsync(root, folder + "/" + MetadataFileName, JsonSerializer.SerializeToUtf8Bytes(metadata, ModelFormatJsonContext.Default.PlatformModelMetadata), cancellationToken).ConfigureAwait(false);

            // The descriptor goes last: a folder with an MLmodel is complete.
            await _client.UploadArtifactBytesAsync(root, folder + "/" + DescriptorFileName, JsonSerializer.SerializeToUtf8Bytes(descriptor, ModelFormatJsonContext.Default.MlModelDescriptor), cancellationToken).ConfigureAwait(false);
            return new LoggedModel(run.Info.RunId, ArtifactLocation.Combine(root, folder));
        }
        finally
        {
            File.Delete(weightsFile);
        }
    }

    /// <summary>
    /// Registers a logged model as a new version of <paramref name="modelName"/> (created when missing), tagged with
    /// the facts needed to choose between versions without downloading them.
    /// </summary>
    public async Task<ModelVersion> RegisterAsync(string modelName, LoggedModel logged, PlatformModelMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logged);
        ArgumentNullException.ThrowIfNull(metadata);
        await _client.GetOrCreateRegisteredModelAsync(modelName, cancellationToken).ConfigureAwait(false);
        var tags = new List<Tag>
        {
            new("platform.flavor", FlavorName),
            new("platform.network_kind", metadata.NetworkKind),
            new("platform.feature_spec_hash", metadata.FeatureSpecHash),
            new("platform.data_hash", metadata.DataHash),
            new("platform.code_version", metadata.CodeVersion),
        };
        return await _client.CreateModelVersionAsync(modelName, logged.ArtifactUri, logged.RunId, tags, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads a model from <c>models:/&lt;name&gt;@&lt;alias&gt;</c>, <c>models:/&lt;name&gt;/&lt;version&gt;</c>, <c>runs:/&lt;run&gt;/model</c> or a
    /// model folder's artifact URI. Checks the flavor, format versions, weights format, weights size and SHA-256, and —
    /// when <paramref name="expectedFeatureSpecHash"/> is given — that the model was trained on the caller's features.
    /// </summary>
    public async Task<LoadedModel<TModel>> LoadAsync<TModel>(string modelUri, IModelCheckpointCodec<TModel> codec, string? expectedFeatureSpecHash = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codec);
        MlflowValidation.RequireNonEmpty("model_uri", modelUri);
        var version = modelUri.StartsWith("models:/", StringComparison.Ordinal)
            ? await _client.GetModelVersionByUriAsync(modelUri, cancellationToken).ConfigureAwait(false)
            : null;
        var folder = await _client.ResolveArtifactUriAsync(version?.Source ?? modelUri, cancellationToken).ConfigureAwait(false);

        var descriptor = Deserialize(await DownloadAsync(folder, DescriptorFileName, cancellationToken).ConfigureAwait(false), ModelFormatJsonContext.Default.MlModelDescriptor, DescriptorFileName);
        if (!descriptor.Flavors.TryGetValue(FlavorName, out var flavor))
        {
            throw new PlatformModelFormatException($"The model at {folder} has flavors [{string.Join(", ", descriptor.Flavors.Keys)}], not {FlavorName}.");
        }

        if (flavor.FormatVersion != CurrentFormatVersion)
        {
            throw new PlatformModelFormatException($"The model at {folder} uses {FlavorName} format version {flavor.FormatVersion}; this code reads version {CurrentFormatVersion}.");
        }

        if (!string.Equals(flavor.WeightsFormat, codec.WeightsFormat, StringComparison.Ordinal))
        {
            throw new PlatformModelFormatException($"The model at {folder} has weights in format '{flavor.WeightsFormat}', but the codec reads '{codec.WeightsFormat}'.");
        }

        var metadata = Deserialize(await DownloadAsync(folder, RelativeFile(flavor.Metadata), cancellationToken).ConfigureAwait(false), ModelFormatJsonContext.Default.PlatformModelMetadata, flavor.Metadata);
        metadata.Validate();
        if (metadata.FormatVersion != CurrentFormatVersion || metadata.FeatureSpecHash != flavor.FeatureSpecHash || metadata.NetworkKind != flavor.NetworkKind)
        {
            throw new PlatformModelFormatException($"The metadata of the model at {folder} does not agree with its MLmodel descriptor.");
        }

        if (expectedFeatureSpecHash is not null && !string.Equals(expectedFeatureSpecHash, metadata.FeatureSpecHash, StringComparison.Ordinal))
        {
            throw new PlatformModelFormatException($"The model at {folder} was trained on features {metadata.FeatureSpecHash}, but the caller provides features {expectedFeatureSpecHash}.");
        }

        var weights = await DownloadAsync(folder, RelativeFile(flavor.Weights), cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(weights));
        if (weights.LongLength != flavor.WeightsSize || !string.Equals(sha256, flavor.WeightsSha256, StringComparison.Ordinal))
        {
            throw new PlatformModelFormatException($"The weights of the model at {folder} are corrupt: {weights.LongLength} bytes with SHA-256 {sha256}, expected {flavor.WeightsSize} bytes with {flavor.WeightsSha256}.");
        }

        using var stream = new MemoryStream(weights, writable: false);
        var model = await codec.ReadAsync(metadata, stream, cancellationToken).ConfigureAwait(false);
        return new LoadedModel<TModel>(model, metadata, descriptor, version);
    }

    private async Task<byte[]> DownloadAsync(string folder, string file, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.DownloadArtifactBytesAsync(folder, file, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowResourceNotFoundException ex)
        {
            throw new PlatformModelFormatException($"The model at {folder} has no {file}; it is not a Platform model folder.", ex);
        }
    }

    private static string RelativeFile(string name)
    {
        var relative = MlflowValidation.ValidateArtifactPath(name);
        return relative.Length > 0 ? relative : throw new PlatformModelFormatException("The MLmodel descriptor names an empty file.");
    }

    private static T Deserialize<T>(byte[] content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string file)
    {
        try
        {
            return JsonSerializer.Deserialize(content, info) ?? throw new PlatformModelFormatException($"{file} is empty.");
        }
        catch (JsonException ex)
        {
            throw new PlatformModelFormatException($"{file} is not valid: {JsonErrors.Describe(ex)}", ex);
        }
    }
}
