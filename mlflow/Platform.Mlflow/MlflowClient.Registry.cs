using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

// Model registry: registered models, versions, tags and aliases (stages are deprecated and not supported).
public sealed partial class MlflowClient
{
    /// <summary>Creates a registered model; a taken name throws <see cref="MlflowResourceAlreadyExistsException"/>.</summary>
    public async Task<RegisteredModel> CreateRegisteredModelAsync(string name, IReadOnlyList<Tag>? tags = null, string? description = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        ValidateRegistryTags(tags);
        var response = await PostAsync("registered-models/create", new CreateRegisteredModelRequest(name, tags, description), Json.CreateRegisteredModelRequest, Json.RegisteredModelResponse, cancellationToken).ConfigureAwait(false);
        return response.RegisteredModel;
    }

    /// <summary>Returns the registered model, creating it when missing; safe under concurrent creation.</summary>
    public async Task<RegisteredModel> GetOrCreateRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetRegisteredModelAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowResourceNotFoundException)
        {
            try
            {
                return await CreateRegisteredModelAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (MlflowResourceAlreadyExistsException)
            {
                return await GetRegisteredModelAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gets a registered model with its tags, aliases and latest versions.</summary>
    public async Task<RegisteredModel> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        var response = await GetAsync("registered-models/get", [new("name", name)], Json.RegisteredModelResponse, cancellationToken).ConfigureAwait(false);
        return response.RegisteredModel;
    }

    /// <summary>Searches registered models (one page); filters such as <c>name = 'x'</c> or <c>name LIKE 'x%'</c>.</summary>
    public Task<SearchRegisteredModelsResponse> SearchRegisteredModelsAsync(string? filter = null, int maxResults = 100, IReadOnlyList<string>? orderBy = null, string? pageToken = null, CancellationToken cancellationToken = default) =>
        GetAsync("registered-models/search", SearchQuery(filter, maxResults, orderBy, pageToken), Json.SearchRegisteredModelsResponse, cancellationToken);

    /// <summary>Updates a registered model's description.</summary>
    public async Task<RegisteredModel> UpdateRegisteredModelAsync(string name, string description, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        var response = await SendJsonAsync(HttpMethod.Patch, "registered-models/update", new UpdateRegisteredModelRequest(name, description), Json.UpdateRegisteredModelRequest, Json.RegisteredModelResponse, cancellationToken).ConfigureAwait(false);
        return response.RegisteredModel;
    }

    /// <summary>Deletes a registered model with all its versions and aliases.</summary>
    public async Task DeleteRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        await SendJsonAsync(HttpMethod.Delete, "registered-models/delete", new RegisteredModelNameRequest(name), Json.RegisteredModelNameRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or overwrites) a registered model tag.</summary>
    public async Task SetRegisteredModelTagAsync(string name, string key, string value, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.ValidateTag("registered model tag", key, value, MlflowLimits.MaxRegistryTagValueLength);
        await PostAsync("registered-models/set-tag", new SetRegisteredModelTagRequest(name, key, value), Json.SetRegisteredModelTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a registered model tag.</summary>
    public async Task DeleteRegisteredModelTagAsync(string name, string key, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("key", key);
        await SendJsonAsync(HttpMethod.Delete, "registered-models/delete-tag", new DeleteRegisteredModelTagRequest(name, key), Json.DeleteRegisteredModelTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a model version from a run's artifacts. Pass <paramref name="source"/> as the run's artifact_uri plus the
    /// model folder (see <see cref="ArtifactLocation.Combine"/>) together with <paramref name="runId"/>.
    /// </summary>
    public async Task<ModelVersion> CreateModelVersionAsync(string name, string source, string? runId = null, IReadOnlyList<Tag>? tags = null, string? runLink = null, string? description = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("source", source);
        ValidateRegistryTags(tags);
        var request = new CreateModelVersionRequest(name, source, runId, tags, runLink, description);
        var response = await PostAsync("model-versions/create", request, Json.CreateModelVersionRequest, Json.ModelVersionResponse, cancellationToken).ConfigureAwait(false);
        return response.ModelVersion;
    }

    /// <summary>Creates a model version from a folder of a run's artifacts (source = the run's artifact_uri + <paramref name="artifactPath"/>).</summary>
    public Task<ModelVersion> CreateModelVersionFromRunAsync(string name, Run run, string artifactPath = "model", IReadOnlyList<Tag>? tags = null, string? description = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var source = ArtifactLocation.Combine(run.Info.ArtifactUri, MlflowValidation.RequireNonEmpty("artifact_path", artifactPath));
        return CreateModelVersionAsync(name, source, run.Info.RunId, tags, description: description, cancellationToken: cancellationToken);
    }

    /// <summary>Gets one model version.</summary>
    public async Task<ModelVersion> GetModelVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("version", version);
        var response = await GetAsync("model-versions/get", [new("name", name), new("version", version)], Json.ModelVersionResponse, cancellationToken).ConfigureAwait(false);
        return response.ModelVersion;
    }

    /// <summary>Searches model versions (one page); filters such as <c>name = 'x'</c>, <c>run_id = '...'</c>, <c>tags.k = 'v'</c>.</summary>
    public Task<SearchModelVersionsResponse> SearchModelVersionsAsync(string? filter = null, int maxResults = 1000, IReadOnlyList<string>? orderBy = null, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        if (maxResults is < 1 or > MlflowLimits.MaxModelVersionSearchResults)
        {
            throw MlflowValidation.Invalid($"max_results must be between 1 and {MlflowLimits.MaxModelVersionSearchResults}, got {maxResults}.");
        }

        return GetAsync("model-versions/search", SearchQuery(filter, maxResults, orderBy, pageToken), Json.SearchModelVersionsResponse, cancellationToken);
    }

    /// <summary>Updates a model version's description.</summary>
    public async Task<ModelVersion> UpdateModelVersionAsync(string name, string version, string description, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("version", version);
        var response = await SendJsonAsync(HttpMethod.Patch, "model-versions/update", new UpdateModelVersionRequest(name, version, description), Json.UpdateModelVersionRequest, Json.ModelVersionResponse, cancellationToken).ConfigureAwait(false);
        return response.ModelVersion;
    }

    /// <summary>Deletes a model version; its aliases are removed with it.</summary>
    public async Task DeleteModelVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("version", version);
        await SendJsonAsync(HttpMethod.Delete, "model-versions/delete", new ModelVersionKeyRequest(name, version), Json.ModelVersionKeyRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or overwrites) a model version tag, for example <c>validation_status=passed</c>.</summary>
    public async Task SetModelVersionTagAsync(string name, string version, string key, string value, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("version", version);
        MlflowValidation.ValidateTag("model version tag", key, value, MlflowLimits.MaxRegistryTagValueLength);
        await PostAsync("model-versions/set-tag", new SetModelVersionTagRequest(name, version, key, value), Json.SetModelVersionTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a model version tag.</summary>
    public async Task DeleteModelVersionTagAsync(string name, string version, string key, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("version", version);
        MlflowValidation.RequireNonEmpty("key", key);
        await SendJsonAsync(HttpMethod.Delete, "model-versions/delete-tag", new DeleteModelVersionTagRequest(name, version, key), Json.DeleteModelVersionTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Points an alias (for example <c>champion</c>) at a version; an existing alias moves.</summary>
    public async Task SetModelAliasAsync(string name, string alias, string version, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.ValidateAlias(alias);
        MlflowValidation.RequireNonEmpty("version", version);
        await PostAsync("registered-models/alias", new SetModelAliasRequest(name, alias, version), Json.SetModelAliasRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the version an alias points at; an unknown alias throws (INVALID_PARAMETER_VALUE or RESOURCE_DOES_NOT_EXIST, by backend).</summary>
    public async Task<ModelVersion> GetModelVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("alias", alias);
        var response = await GetAsync("registered-models/alias", [new("name", name), new("alias", alias)], Json.ModelVersionResponse, cancellationToken).ConfigureAwait(false);
        return response.ModelVersion;
    }

    /// <summary>Removes an alias.</summary>
    public async Task DeleteModelAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("alias", alias);
        await SendJsonAsync(HttpMethod.Delete, "registered-models/alias", new DeleteModelAliasRequest(name, alias), Json.DeleteModelAliasRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Resolves <c>runs:/&lt;run_id&gt;/path</c>, <c>models:/&lt;name&gt;@&lt;alias&gt;</c> and <c>models:/&lt;name&gt;/&lt;version&gt;</c>
    /// to the artifact URI they stand for; other URIs are returned unchanged.
    /// </summary>
    public async Task<string> ResolveArtifactUriAsync(string uri, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("uri", uri);
        if (uri.StartsWith("runs:/", StringComparison.Ordinal))
        {
            var rest = uri["runs:/".Length..].TrimStart('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var runId = slash < 0 ? rest : rest[..slash];
            var run = await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
            return ArtifactLocation.Combine(run.Info.ArtifactUri, slash < 0 ? null : rest[(slash + 1)..]);
        }

        if (uri.StartsWith("models:/", StringComparison.Ordinal))
        {
            var version = await GetModelVersionByUriAsync(uri, cancellationToken).ConfigureAwait(false);
            return await ResolveArtifactUriAsync(version.Source, cancellationToken).ConfigureAwait(false);
        }

        return uri;
    }

    /// <summary>The model version a <c>models:/&lt;name&gt;@&lt;alias&gt;</c> or <c>models:/&lt;name&gt;/&lt;version&gt;</c> URI names.</summary>
    public Task<ModelVersion> GetModelVersionByUriAsync(string modelUri, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("model_uri", modelUri);
        if (!modelUri.StartsWith("models:/", StringComparison.Ordinal))
        {
            throw MlflowValidation.Invalid($"'{modelUri}' is not a models:/ URI.");
        }

        var rest = modelUri["models:/".Length..].TrimEnd('/');
        var at = rest.LastIndexOf('@');
        if (at > 0)
        {
            return GetModelVersionByAliasAsync(rest[..at], rest[(at + 1)..], cancellationToken);
        }

        var slash = rest.LastIndexOf('/');
        return slash > 0 && long.TryParse(rest[(slash + 1)..], out _)
            ? GetModelVersionAsync(rest[..slash], rest[(slash + 1)..], cancellationToken)
            : throw MlflowValidation.Invalid($"'{modelUri}' must be models:/<name>@<alias> or models:/<name>/<version>.");
    }

    private static void ValidateRegistryTags(IReadOnlyList<Tag>? tags)
    {
        foreach (var tag in tags ?? [])
        {
            MlflowValidation.ValidateTag("registry tag", tag.Key, tag.Value, MlflowLimits.MaxRegistryTagValueLength);
        }
    }

    private static List<KeyValuePair<string, string?>> SearchQuery(string? filter, int maxResults, IReadOnlyList<string>? orderBy, string? pageToken)
    {
        var query = new List<KeyValuePair<string, string?>>
        {
            new("filter", filter),
            new("max_results", Invariant(maxResults)),
            new("page_token", pageToken),
        };
        query.AddRange((orderBy ?? []).Select(o => new KeyValuePair<string, string?>("order_by", o)));
        return query;
    }
}
