using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Models;
using Platform.Domain.Trading;
using Platform.Learning.Agents;
using Platform.Mlflow;
using Platform.Mlflow.ModelFormat;

namespace Platform.Models;

/// <summary>A DQN checkpoint loaded by reference, as the domain sees a trading model (the <see cref="Model"/> itself stays reachable).</summary>
public sealed class LoadedDqnModel(DqnModel model, ModelIdentity identity) : ITradingModel
{
    public DqnModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    public ModelIdentity Identity { get; } = identity ?? throw new ArgumentNullException(nameof(identity));

    public FeatureSpec FeatureSpec => Model.FeatureSpec;

    public NormalizationStats Normalization => Model.Metadata.Normalization;

    public TradingOptions Trading => Model.Metadata.TradingOptions;

    public IBarDecider CreateDecider() => Model.CreateDecider();

    public IPolicy CreatePolicy(string name) => Model.CreatePolicy(name);

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// <see cref="IModelLoader"/> for DQN models: <c>models:/NAME@ALIAS</c> and <c>models:/NAME/VERSION</c> through the MLflow
/// registry (alias → version → artifacts, hashes checked by <see cref="PlatformModelFormat"/>), any other reference as a
/// checkpoint file (<c>.dqn</c>). Without a registry client only files load.
/// </summary>
public sealed class DqnModelLoader(MlflowClient? registry = null) : IModelLoader
{
    async Task<ITradingModel> IModelLoader.LoadAsync(ModelReference reference, CancellationToken cancellationToken) =>
        await LoadAsync(reference, cancellationToken).ConfigureAwait(false);

    public async Task<LoadedDqnModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!reference.IsRegistered)
        {
            DqnModel model;
            try
            {
                model = DqnModel.Load(reference.Path!);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                throw new InvalidRequestException($"Model {reference}: {e.Message}", e);
            }

            return new LoadedDqnModel(model, new ModelIdentity(model.Metadata.Name, null, null, reference.ToString()));
        }

        if (registry is null)
        {
            throw new InvalidRequestException($"Model {reference} is in a registry, but no MLflow tracking server is configured (set MLFLOW_TRACKING_URI or pass a checkpoint file).");
        }

        LoadedModel<DqnModel> loaded;
        try
        {
            loaded = await new PlatformModelFormat(registry).LoadAsync(reference.ToString(), new DqnCheckpointCodec(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException e) when (e is MlflowResourceNotFoundException or MlflowInvalidParameterException)
        {
            // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE and an unknown version with RESOURCE_DOES_NOT_EXIST.
            throw new InvalidRequestException($"Model {reference} is not in the registry: {e.Message}", e);
        }

        return new LoadedDqnModel(loaded.Model, new ModelIdentity(reference.Name!, loaded.Version?.Version, loaded.Version?.RunId, reference.ToString()));
    }
}
