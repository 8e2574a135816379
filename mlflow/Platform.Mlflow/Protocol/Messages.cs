namespace Platform.Mlflow.Protocol;

// Request and response bodies of the REST endpoints, shared by the client and the local server.
// GET endpoints take their parameters in the query string and have no request record here.

/// <summary>The error body MLflow returns with every non-2xx status.</summary>
public sealed record ErrorResponse(string ErrorCode, string Message);

/// <summary>An empty JSON object, the body of many MLflow responses.</summary>
public sealed record EmptyResponse;

public sealed record CreateExperimentRequest(string? Name, string? ArtifactLocation = null, IReadOnlyList<Tag>? Tags = null);

public sealed record CreateExperimentResponse(string ExperimentId);

public sealed record ExperimentResponse(Experiment Experiment);

public sealed record ExperimentIdRequest(string? ExperimentId);

public sealed record SetExperimentTagRequest(string? ExperimentId, string? Key, string? Value);

public sealed record SearchExperimentsRequest(
    long? MaxResults = null,
    string? PageToken = null,
    string? Filter = null,
    IReadOnlyList<string>? OrderBy = null,
    ViewType? ViewType = null);

public sealed record SearchExperimentsResponse
{
    public IReadOnlyList<Experiment> Experiments { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record CreateRunRequest(
    string? ExperimentId,
    string? RunName = null,
    long? StartTime = null,
    IReadOnlyList<Tag>? Tags = null,
    string? UserId = null);

public sealed record RunResponse(Run Run);

public sealed record UpdateRunRequest(string? RunId, RunStatus? Status = null, long? EndTime = null, string? RunName = null)
{
    /// <summary>Deprecated duplicate of <see cref="RunId"/>, still accepted by MLflow.</summary>
    public string? RunUuid { get; init; }
}

public sealed record UpdateRunResponse(RunInfo RunInfo);

public sealed record RunIdRequest(string? RunId);

public sealed record SearchRunsRequest(
    IReadOnlyList<string>? ExperimentIds,
    string? Filter = null,
    ViewType? RunViewType = null,
    long? MaxResults = null,
    IReadOnlyList<string>? OrderBy = null,
    string? PageToken = null);

public sealed record SearchRunsResponse
{
    public IReadOnlyList<Run> Runs { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record LogMetricRequest(string? RunId, string? Key, double? Value, long? Timestamp, long? Step = null);

public sealed record LogParamRequest(string? RunId, string? Key, string? Value);

public sealed record SetTagRequest(string? RunId, string? Key, string? Value);

public sealed record DeleteTagRequest(string? RunId, string? Key);

public sealed record LogBatchRequest(
    string? RunId,
    IReadOnlyList<Metric>? Metrics = null,
    IReadOnlyList<Param>? Params = null,
    IReadOnlyList<Tag>? Tags = null);

public sealed record LogInputsRequest(string? RunId, IReadOnlyList<DatasetInput>? Datasets);

public sealed record MetricHistoryResponse
{
    public IReadOnlyList<Metric> Metrics { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record ListArtifactsResponse
{
    public string? RootUri { get; init; }
    public IReadOnlyList<ArtifactFileInfo> Files { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record CreateRegisteredModelRequest(string? Name, IReadOnlyList<Tag>? Tags = null, string? Description = null);

public sealed record RegisteredModelResponse(RegisteredModel RegisteredModel);

public sealed record UpdateRegisteredModelRequest(string? Name, string? Description);

public sealed record RegisteredModelNameRequest(string? Name);

public sealed record SearchRegisteredModelsResponse
{
    public IReadOnlyList<RegisteredModel> RegisteredModels { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record SetRegisteredModelTagRequest(string? Name, string? Key, string? Value);

public sealed record DeleteRegisteredModelTagRequest(string? Name, string? Key);

public sealed record CreateModelVersionRequest(
    string? Name,
    string? Source,
    string? RunId = null,
    IReadOnlyList<Tag>? Tags = null,
    string? RunLink = null,
    string? Description = null);

public sealed record ModelVersionResponse(ModelVersion ModelVersion);

public sealed record UpdateModelVersionRequest(string? Name, string? Version, string? Description);

public sealed record ModelVersionKeyRequest(string? Name, string? Version);

public sealed record SearchModelVersionsResponse
{
    public IReadOnlyList<ModelVersion> ModelVersions { get; init; } = [];
    public string? NextPageToken { get; init; }
}

public sealed record SetModelVersionTagRequest(string? Name, string? Version, string? Key, string? Value);

public sealed record DeleteModelVersionTagRequest(string? Name, string? Version, string? Key);

public sealed record SetModelAliasRequest(string? Name, string? Alias, string? Version);

public sealed record DeleteModelAliasRequest(string? Name, string? Alias);
