using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.Learning.Networks;
using Platform.Learning.Training;

namespace Platform.Learning.Agents;

/// <summary>Everything needed to use a trained network for inference, stored next to its weights.</summary>
public sealed record DqnModelMetadata
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public string Name { get; init; } = "";

    public required QNetworkSpec Network { get; init; }

    public required string FeatureSpecName { get; init; }

    public required string FeatureSpecHash { get; init; }

    /// <summary>The full feature definition (the research core's FeatureSpec JSON), so features can be rebuilt from klines.</summary>
    public required string FeatureSpecJson { get; init; }

    /// <summary>Z-score statistics fitted on the training rows.</summary>
    public required NormalizationStats Normalization { get; init; }

    /// <summary>The position input is open lots / MaxLots.</summary>
    public required int MaxLots { get; init; }

    public required string TradedSymbol { get; init; }

    /// <summary>How the model was trained to trade: symbol, cash, costs, sizing, lots, exchange step (null in older checkpoints).</summary>
    public TradingOptions? Trading { get; init; }

    /// <summary><see cref="Trading"/>, or for older checkpoints the defaults with their symbol and lots.</summary>
    [JsonIgnore]
    public TradingOptions TradingOptions => Trading ?? new TradingOptions { Symbol = TradedSymbol, MaxLots = MaxLots };

    public required double RewardScale { get; init; }

    public DateRange? TrainRange { get; init; }

    public DateRange? ValidationRange { get; init; }

    /// <summary>SHA-256 over the content hashes of the kline series the model was trained and validated on.</summary>
    public required string DataHash { get; init; }

    public required int Seed { get; init; }

    public required string CodeVersion { get; init; }

    /// <summary>The learner's hyperparameters (also what online learning continues with).</summary>
    public required DqnOptions Dqn { get; init; }

    public int SelectedEpoch { get; init; }

    public string ValidationMetric { get; init; } = "";

    public double ValidationScore { get; init; }

    /// <summary>The metadata of a model of <paramref name="dqn"/>'s network trained on <paramref name="data"/>.</summary>
    public static DqnModelMetadata Describe(string name, TrainingData data, NormalizationStats normalization, DqnAgentOptions agent, DqnOptions dqn, DateRange? train, DateRange? validate)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(dqn);
        var spec = data.Features.Spec;
        return new DqnModelMetadata
        {
            Name = name,
            Network = dqn.Network,
            FeatureSpecName = spec.Name,
            FeatureSpecHash = spec.ContentHash,
            FeatureSpecJson = spec.ToJson(),
            Normalization = normalization,
            MaxLots = data.Trading.MaxLots,
            TradedSymbol = data.Trading.Symbol,
            Trading = data.Trading,
            RewardScale = agent.RewardScale,
            TrainRange = train,
            ValidationRange = validate,
            DataHash = data.DataHash,
            Seed = dqn.Seed,
            CodeVersion = CurrentCodeVersion,
            Dqn = dqn,
        };
    }

    public static string CurrentCodeVersion =>
        typeof(DqnModelMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

/// <summary>
/// A trained Q-network with its metadata: the unit that is saved, loaded, registered and traded. A checkpoint file is a
/// zip archive holding metadata.json and weights.bin (TorchSharp's format); it loads for inference with nothing else.
/// </summary>
public sealed class DqnModel : IDisposable
{
    private const string MetadataEntry = "metadata.json";
    private const string WeightsEntry = "weights.bin";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },

        // The file is read by people too: keep quotes in the embedded feature spec readable (no HTML escaping needed).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private FeatureMatrix? lastRawFeatures;
    private AgentStates? lastStates;

    public DqnModel(QNetwork network, DqnModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(metadata);
        if (network.Spec != metadata.Network)
        {
            throw new ArgumentException("The network's spec differs from the metadata's.", nameof(metadata));
        }

        Network = network;
        Metadata = metadata;
    }

    public QNetwork Network { get; }

    public DqnModelMetadata Metadata { get; }

    /// <summary>
    /// A model with freshly initialised (seeded) weights whose normalisation is fitted on <paramref name="fitRange"/>:
    /// for speed measurements and tests that need a model but not a trained one.
    /// </summary>
    public static DqnModel Untrained(TrainingData data, DateRange fitRange, DqnAgentOptions agent, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(fitRange);
        ArgumentNullException.ThrowIfNull(agent);
        agent.EnsureValid();
        var (from, to) = Platform.Domain.Backtesting.Backtester.RowRange(data.Frame, fitRange.From, fitRange.To);
        var normalization = NormalizationStats.Fit(data.Features, from, to);
        var states = new AgentStates(normalization.Apply(data.Features), data.Trading.MaxLots);
        var dqn = agent.Dqn with { Network = states.NetworkSpec(agent.Kind, agent.HiddenSize, agent.Dueling) };
        var metadata = DqnModelMetadata.Describe(name, data, normalization, agent, dqn, null, null);
        return new DqnModel(QNetwork.Create(dqn.Network, dqn.Seed), metadata);
    }

    public FeatureSpec FeatureSpec => FeatureSpec.FromJson(Metadata.FeatureSpecJson);

    /// <summary>The agent's states over <paramref name="rawFeatures"/> (un-normalised, built with this model's feature spec).</summary>
    public AgentStates StatesFor(FeatureMatrix rawFeatures)
    {
        ArgumentNullException.ThrowIfNull(rawFeatures);
        if (ReferenceEquals(rawFeatures, lastRawFeatures) && lastStates is not null)
        {
            return lastStates;
        }

        if (rawFeatures.Spec.ContentHash != Metadata.FeatureSpecHash)
        {
            throw new InvalidRequestException($"The features were built with spec '{rawFeatures.Spec.Name}' ({rawFeatures.Spec.ContentHash[..12]}); model '{Metadata.Name}' needs '{Metadata.FeatureSpecName}' ({Metadata.FeatureSpecHash[..12]}).");
        }

        lastStates = new AgentStates(Metadata.Normalization.Apply(rawFeatures), Metadata.MaxLots);
        lastRawFeatures = rawFeatures;
        return lastStates;
    }

    /// <summary>The model deciding bar by bar from raw feature rows (its own normalisation, its weights as they are now).</summary>
    public DqnDecider CreateDecider() => new(QNetworkInference.From(Network), FeatureSpec, Metadata.Normalization, Metadata.MaxLots);

    /// <summary>A backtest policy over <see cref="CreateDecider"/>: the same per-bar computation as paper and live trading.</summary>
    public DeciderPolicy CreatePolicy(string name) => new(name, CreateDecider());

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // TorchSharp closes the stream it saves to; ToArray still works on a closed MemoryStream.
        var weights = new MemoryStream();
        Network.save(weights);
        var weightBytes = weights.ToArray();
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var archive = new ZipArchive(file, ZipArchiveMode.Create))
        {
            using (var entry = archive.CreateEntry(MetadataEntry, CompressionLevel.Optimal).Open())
            {
                JsonSerializer.Serialize(entry, Metadata, JsonOptions);
            }

            using (var entry = archive.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
            {
                entry.Write(weightBytes);
            }
        }

        // Replace atomically so a crash never leaves a half-written checkpoint under the real name.
        File.Move(temporary, path, overwrite: true);
    }

    public static DqnModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model checkpoint '{path}' does not exist.", path);
        }

        try
        {
            using var archive = ZipFile.OpenRead(path);
            var metadataEntry = archive.GetEntry(MetadataEntry) ?? throw new InvalidDataException($"'{path}' is not a model checkpoint: it has no {MetadataEntry}.");
            var weightsEntry = archive.GetEntry(WeightsEntry) ?? throw new InvalidDataException($"'{path}' is not a model checkpoint: it has no {WeightsEntry}.");
            DqnModelMetadata metadata;
            using (var stream = metadataEntry.Open())
            {
                metadata = JsonSerializer.Deserialize<DqnModelMetadata>(stream, JsonOptions)
                    ?? throw new InvalidDataException($"'{path}': {MetadataEntry} is empty.");
            }

            if (metadata.FormatVersion != DqnModelMetadata.CurrentFormatVersion)
            {
                throw new InvalidDataException($"'{path}' has checkpoint format {metadata.FormatVersion}; this build reads format {DqnModelMetadata.CurrentFormatVersion}.");
            }

            var network = QNetwork.Create(metadata.Network, metadata.Seed);
            using var weights = new MemoryStream();
            using (var stream = weightsEntry.Open())
            {
                stream.CopyTo(weights);
            }

            weights.Position = 0;
            network.load(weights);
            network.eval();
            return new DqnModel(network, metadata);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}': {MetadataEntry} is not valid: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{path}': the checkpoint is inconsistent: {e.Message}", e);
        }
    }

    public void Dispose() => Network.Dispose();
}
