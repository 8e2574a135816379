using System.Runtime.CompilerServices;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

// Experiments and runs.
public sealed partial class MlflowClient
{
    private static readonly MlflowJsonContext Json = MlflowJsonContext.Default;

    /// <summary>Gets an experiment by id; throws <see cref="MlflowResourceNotFoundException"/> when unknown.</summary>
    public async Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        var response = await GetAsync("experiments/get", [new("experiment_id", experimentId)], Json.ExperimentResponse, cancellationToken).ConfigureAwait(false);
        return response.Experiment;
    }

    /// <summary>Gets an experiment by name, or null when no experiment (active or deleted) has that name.</summary>
    public async Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateExperimentName(name);
        try
        {
            var response = await GetAsync("experiments/get-by-name", [new("experiment_name", name)], Json.ExperimentResponse, cancellationToken).ConfigureAwait(false);
            return response.Experiment;
        }
        catch (MlflowResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates an experiment and returns its id; a taken name throws <see cref="MlflowResourceAlreadyExistsException"/>.</summary>
    public async Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<Tag>? tags = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.ValidateExperimentName(name);
        foreach (var tag in tags ?? [])
        {
            MlflowValidation.ValidateTag("experiment tag", tag.Key, tag.Value, MlflowLimits.MaxExperimentTagValueLength);
        }

        var response = await PostAsync("experiments/create", new CreateExperimentRequest(name, artifactLocation, tags), Json.CreateExperimentRequest, Json.CreateExperimentResponse, cancellationToken).ConfigureAwait(false);
        return response.ExperimentId;
    }

    /// <summary>
    /// Returns the active experiment with this name, creating it when missing. Safe when several processes race to
    /// create it: the loser of the race gets RESOURCE_ALREADY_EXISTS and reads the winner's experiment.
    /// A deleted experiment with the name is an error (MLflow keeps deleted names reserved).
    /// </summary>
    public async Task<Experiment> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        var existing = await GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                var id = await CreateExperimentAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                return await GetExperimentAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (MlflowResourceAlreadyExistsException)
            {
                existing = await GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false)
                    ?? throw new MlflowException(MlflowErrorCodes.InvalidState, $"Experiment '{name}' was reported as existing but cannot be read.");
            }
        }

        return existing.LifecycleStage == "deleted"
            ? throw new MlflowException(MlflowErrorCodes.InvalidState, $"Experiment '{name}' (id {existing.ExperimentId}) is deleted; restore it or choose another name.")
            : existing;
    }

    /// <summary>Searches experiments (one page).</summary>
    public Task<SearchExperimentsResponse> SearchExperimentsAsync(string? filter = null, int maxResults = 1000, string? pageToken = null, IReadOnlyList<string>? orderBy = null, ViewType viewType = ViewType.ActiveOnly, CancellationToken cancellationToken = default) =>
        PostAsync("experiments/search", new SearchExperimentsRequest(maxResults, pageToken, filter, orderBy, viewType), Json.SearchExperimentsRequest, Json.SearchExperimentsResponse, cancellationToken);

    /// <summary>Sets (or overwrites) an experiment tag.</summary>
    public async Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        MlflowValidation.ValidateTag("experiment tag", key, value, MlflowLimits.MaxExperimentTagValueLength);
        await PostAsync("experiments/set-experiment-tag", new SetExperimentTagRequest(experimentId, key, value), Json.SetExperimentTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks an experiment (and its runs) deleted.</summary>
    public async Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        await PostAsync("experiments/delete", new ExperimentIdRequest(experimentId), Json.ExperimentIdRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores a deleted experiment.</summary>
    public async Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        await PostAsync("experiments/restore", new ExperimentIdRequest(experimentId), Json.ExperimentIdRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a run in RUNNING state; <paramref name="startTime"/> defaults to now.</summary>
    public async Task<Run> CreateRunAsync(string experimentId, string? runName = null, IReadOnlyList<Tag>? tags = null, DateTimeOffset? startTime = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        foreach (var tag in tags ?? [])
        {
            MlflowValidation.ValidateRunTag(tag.Key, tag.Value, MlflowLimits.MaxPortableTagValueLength);
        }

        var start = startTime?.ToUnixTimeMilliseconds() ?? NowMilliseconds(_time);
        var response = await PostAsync("runs/create", new CreateRunRequest(experimentId, runName, start, tags), Json.CreateRunRequest, Json.RunResponse, cancellationToken).ConfigureAwait(false);
        return response.Run;
    }

    /// <summary>Updates a run's status, end time or name; returns the updated run info.</summary>
    public async Task<RunInfo> UpdateRunAsync(string runId, RunStatus? status = null, DateTimeOffset? endTime = null, string? runName = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        var request = new UpdateRunRequest(runId, status, endTime?.ToUnixTimeMilliseconds(), runName);
        var response = await PostAsync("runs/update", request, Json.UpdateRunRequest, Json.UpdateRunResponse, cancellationToken).ConfigureAwait(false);
        return response.RunInfo;
    }

    /// <summary>Ends a run: sets a terminal status and the end time (now).</summary>
    public Task<RunInfo> EndRunAsync(string runId, RunStatus status = RunStatus.Finished, CancellationToken cancellationToken = default) =>
        UpdateRunAsync(runId, status, _time.GetUtcNow(), cancellationToken: cancellationToken);

    /// <summary>Gets a run with the latest value of each metric, its params, tags and inputs.</summary>
    public async Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        var response = await GetAsync("runs/get", [new("run_id", runId)], Json.RunResponse, cancellationToken).ConfigureAwait(false);
        return response.Run;
    }

    /// <summary>Marks a run deleted.</summary>
    public async Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        await PostAsync("runs/delete", new RunIdRequest(runId), Json.RunIdRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores a deleted run.</summary>
    public async Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        await PostAsync("runs/restore", new RunIdRequest(runId), Json.RunIdRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Searches runs: one page. Use <see cref="SearchAllRunsAsync"/> to walk every page.</summary>
    public Task<SearchRunsResponse> SearchRunsAsync(IReadOnlyList<string> experimentIds, string? filter = null, int maxResults = 1000, IReadOnlyList<string>? orderBy = null, string? pageToken = null, ViewType viewType = ViewType.ActiveOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experimentIds);
        if (maxResults is < 1 or > MlflowLimits.MaxRunsSearchResults)
        {
            throw MlflowValidation.Invalid($"max_results must be between 1 and {MlflowLimits.MaxRunsSearchResults}, got {maxResults}.");
        }

        return PostAsync("runs/search", new SearchRunsRequest(experimentIds, filter, viewType, maxResults, orderBy, pageToken), Json.SearchRunsRequest, Json.SearchRunsResponse, cancellationToken);
    }

    /// <summary>Searches runs and follows next_page_token until the last page.</summary>
    public async IAsyncEnumerable<Run> SearchAllRunsAsync(IReadOnlyList<string> experimentIds, string? filter = null, IReadOnlyList<string>? orderBy = null, int pageSize = 1000, ViewType viewType = ViewType.ActiveOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await SearchRunsAsync(experimentIds, filter, pageSize, orderBy, token, viewType, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Runs)
            {
                yield return run;
            }

            token = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (token is not null);
    }

    /// <summary>Logs one metric point; <paramref name="timestamp"/> defaults to now.</summary>
    public async Task LogMetricAsync(string runId, string key, double value, long step = 0, DateTimeOffset? timestamp = null, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        var ts = timestamp?.ToUnixTimeMilliseconds() ?? NowMilliseconds(_time);
        MlflowValidation.ValidateMetric(key, value, ts);
        await PostAsync("runs/log-metric", new LogMetricRequest(runId, key, value, ts, step), Json.LogMetricRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Logs a param; params are write-once (a different value for the same key is rejected).</summary>
    public async Task LogParamAsync(string runId, string key, string value, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        MlflowValidation.ValidateParam(key, value);
        await PostAsync("runs/log-parameter", new LogParamRequest(runId, key, value), Json.LogParamRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or overwrites) a run tag.</summary>
    public async Task SetTagAsync(string runId, string key, string value, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        MlflowValidation.ValidateRunTag(key, value, MlflowLimits.MaxPortableTagValueLength);
        await PostAsync("runs/set-tag", new SetTagRequest(runId, key, value), Json.SetTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a run tag; an unknown key is RESOURCE_DOES_NOT_EXIST.</summary>
    public async Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        MlflowValidation.RequireNonEmpty("key", key);
        await PostAsync("runs/delete-tag", new DeleteTagRequest(runId, key), Json.DeleteTagRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Logs metrics, params and tags in as many log-batch requests as MLflow's limits require. Everything is validated
    /// before the first request, so invalid input sends nothing. Returns the number of requests sent.
    /// </summary>
    public async Task<int> LogBatchAsync(string runId, IEnumerable<Metric>? metrics = null, IEnumerable<Param>? parameters = null, IEnumerable<Tag>? tags = null, CancellationToken cancellationToken = default)
    {
        var batches = LogBatchSplitter.Split(runId, metrics, parameters, tags);
        foreach (var batch in batches)
        {
            await PostAsync("runs/log-batch", batch, Json.LogBatchRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
        }

        return batches.Count;
    }

    /// <summary>Records the datasets a run used (name, digest, source); digests longer than MLflow's 36 chars are rejected.</summary>
    public async Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> datasets, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        ArgumentNullException.ThrowIfNull(datasets);
        foreach (var input in datasets)
        {
            MlflowValidation.ValidateDataset(input.Dataset);
            foreach (var tag in input.Tags)
            {
                MlflowValidation.ValidateTag("input tag", tag.Key, tag.Value, MlflowLimits.MaxPortableTagValueLength);
            }
        }

        await PostAsync("runs/log-inputs", new LogInputsRequest(runId, datasets), Json.LogInputsRequest, Json.EmptyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every logged point of one metric of a run (all pages).</summary>
    public async Task<IReadOnlyList<Metric>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        MlflowValidation.RequireNonEmpty("metric_key", key);
        var all = new List<Metric>();
        string? token = null;
        do
        {
            var page = await GetAsync(
                "metrics/get-history",
                [new("run_id", runId), new("metric_key", key), new("max_results", "25000"), new("page_token", token)],
                Json.MetricHistoryResponse,
                cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Metrics);
            token = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (token is not null);
        return all;
    }
}
