using System.Globalization;
using Platform.Learning.Agents;
using Platform.Mlflow.ModelFormat;

namespace Platform.Models;

/// <summary>
/// Plugs the DQN checkpoint into MLflow's Platform model format: weights.bin is the self-contained checkpoint archive
/// (weights + its own metadata), and platform_model.json carries the same facts for MLflow users.
/// </summary>
public sealed class DqnCheckpointCodec : IModelCheckpointCodec<DqnModel>
{
    public string WeightsFormat => "platform-dqn-checkpoint/1";

    public async Task WriteWeightsAsync(DqnModel model, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(destination);
        var temporary = Path.Combine(Path.GetTempPath(), $"platform-dqn-{Guid.NewGuid():N}.zip");
        try
        {
            model.Save(temporary);
            await using var file = File.OpenRead(temporary);
            await file.CopyToAsync(destination, cancellationToken);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async Task<DqnModel> ReadAsync(PlatformModelMetadata metadata, Stream weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(weights);
        var temporary = Path.Combine(Path.GetTempPath(), $"platform-dqn-{Guid.NewGuid():N}.zip");
        try
        {
            await using (var file = File.Create(temporary))
            {
                await weights.CopyToAsync(file, cancellationToken);
            }

            var model = DqnModel.Load(temporary);
            if (model.Metadata.FeatureSpecHash != metadata.FeatureSpecHash)
            {
                model.Dispose();
                throw new PlatformModelFormatException($"The checkpoint's feature hash {model.Metadata.FeatureSpecHash} differs from the registered {metadata.FeatureSpecHash}.");
            }

            return model;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The MLflow-side description of a DQN model.</summary>
    public static PlatformModelMetadata Describe(DqnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var m = model.Metadata;
        var spec = model.FeatureSpec;
        var names = spec.FeatureNames;
        return new PlatformModelMetadata
        {
            NetworkKind = m.Network.Kind.ToString().ToLowerInvariant(),
            FeatureSpec = m.FeatureSpecJson,
            FeatureSpecHash = PlatformModelMetadata.HashFeatureSpec(m.FeatureSpecJson),
            Normalisation = [.. names.Select((name, i) => new FeatureNormalisation(name, m.Normalization.Mean[i], m.Normalization.StdDev[i]))],
            DataHash = m.DataHash,
            Seed = m.Seed,
            CodeVersion = m.CodeVersion,
            Properties = new Dictionary<string, string>
            {
                ["name"] = m.Name,
                ["traded_symbol"] = m.TradedSymbol,
                ["feature_spec_name"] = m.FeatureSpecName,
                ["window_length"] = spec.WindowLength.ToString(CultureInfo.InvariantCulture),
                ["max_lots"] = m.MaxLots.ToString(CultureInfo.InvariantCulture),
                ["trading_options"] = System.Text.Json.JsonSerializer.Serialize(m.TradingOptions),
                ["selected_epoch"] = m.SelectedEpoch.ToString(CultureInfo.InvariantCulture),
                ["validation_metric"] = m.ValidationMetric,
                ["validation_score"] = m.ValidationScore.ToString("R", CultureInfo.InvariantCulture),
                ["train_range"] = m.TrainRange?.ToString() ?? "",
                ["validation_range"] = m.ValidationRange?.ToString() ?? "",
                ["actions"] = "hold,buy,sell",
            },
        };
    }
}
