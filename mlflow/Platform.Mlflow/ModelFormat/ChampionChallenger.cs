using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.ModelFormat;

/// <summary>
/// The champion/challenger flow on registry aliases (stages are deprecated): a new version becomes
/// <c>challenger</c> with <c>validation_status=pending</c>; promoting moves <c>champion</c> to it, marks it
/// <c>passed</c> and removes <c>challenger</c>; a rollback points <c>champion</c> back at an earlier version.
/// </summary>
public sealed class ChampionChallenger(MlflowClient client)
{
    /// <summary>The model-version tag recording the validation outcome.</summary>
    public const string ValidationStatusTag = "validation_status";

    private readonly MlflowClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>Makes <paramref name="version"/> the challenger, pending validation.</summary>
    public async Task<ModelVersion> SetChallengerAsync(string modelName, string version, CancellationToken cancellationToken = default)
    {
        await _client.SetModelVersionTagAsync(modelName, version, ValidationStatusTag, "pending", cancellationToken).ConfigureAwait(false);
        await _client.SetModelAliasAsync(modelName, PlatformModelFormat.ChallengerAlias, version, cancellationToken).ConfigureAwait(false);
        return await _client.GetModelVersionAsync(modelName, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Promotes the current challenger to champion; throws when the model has no challenger.</summary>
    public async Task<ModelVersion> PromoteChallengerAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var challenger = await _client.GetModelVersionByAliasAsync(modelName, PlatformModelFormat.ChallengerAlias, cancellationToken).ConfigureAwait(false);
        await _client.SetModelVersionTagAsync(modelName, challenger.Version, ValidationStatusTag, "passed", cancellationToken).ConfigureAwait(false);
        await _client.SetModelAliasAsync(modelName, PlatformModelFormat.ChampionAlias, challenger.Version, cancellationToken).ConfigureAwait(false);
        await _client.DeleteModelAliasAsync(modelName, PlatformModelFormat.ChallengerAlias, cancellationToken).ConfigureAwait(false);
        return await _client.GetModelVersionAsync(modelName, challenger.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rejects the current challenger: tags it <c>failed</c> and removes the alias; the champion stays.</summary>
    public async Task RejectChallengerAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var challenger = await _client.GetModelVersionByAliasAsync(modelName, PlatformModelFormat.ChallengerAlias, cancellationToken).ConfigureAwait(false);
        await _client.SetModelVersionTagAsync(modelName, challenger.Version, ValidationStatusTag, "failed", cancellationToken).ConfigureAwait(false);
        await _client.DeleteModelAliasAsync(modelName, PlatformModelFormat.ChallengerAlias, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Points champion back at an earlier version (the deployment code is unchanged: it loads <c>@champion</c>).</summary>
    public Task RollBackChampionAsync(string modelName, string version, CancellationToken cancellationToken = default) =>
        _client.SetModelAliasAsync(modelName, PlatformModelFormat.ChampionAlias, version, cancellationToken);
}
