using System.Text.Json.Serialization;

namespace Platform.Mlflow.Protocol;

// MLflow's wire entities (service.proto / model_registry.proto / mlflow_artifacts.proto) as JSON records.
// Field names are snake_case on the wire (see MlflowJsonContext); absent fields keep their defaults, because
// MLflow omits unset fields from its responses.

/// <summary>Lifecycle status of a run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>The run is in progress.</summary>
    [JsonStringEnumMemberName("RUNNING")] Running,

    /// <summary>The run is scheduled but has not started.</summary>
    [JsonStringEnumMemberName("SCHEDULED")] Scheduled,

    /// <summary>The run completed successfully.</summary>
    [JsonStringEnumMemberName("FINISHED")] Finished,

    /// <summary>The run failed.</summary>
    [JsonStringEnumMemberName("FAILED")] Failed,

    /// <summary>The run was killed.</summary>
    [JsonStringEnumMemberName("KILLED")] Killed,
}

/// <summary>Which runs or experiments a search returns, by lifecycle stage.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ViewType>))]
public enum ViewType
{
    /// <summary>Only active entities.</summary>
    [JsonStringEnumMemberName("ACTIVE_ONLY")] ActiveOnly,

    /// <summary>Only deleted entities.</summary>
    [JsonStringEnumMemberName("DELETED_ONLY")] DeletedOnly,

    /// <summary>Active and deleted entities.</summary>
    [JsonStringEnumMemberName("ALL")] All,
}

/// <summary>Registration status of a model version.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelVersionStatus>))]
public enum ModelVersionStatus
{
    /// <summary>Registration is in progress.</summary>
    [JsonStringEnumMemberName("PENDING_REGISTRATION")] PendingRegistration,

    /// <summary>Registration failed.</summary>
    [JsonStringEnumMemberName("FAILED_REGISTRATION")] FailedRegistration,

    /// <summary>The version is ready.</summary>
    [JsonStringEnumMemberName("READY")] Ready,
}

/// <summary>A key/value tag on an experiment, run, registered model or model version.</summary>
public sealed record Tag(string Key, string Value);

/// <summary>A run parameter (write-once).</summary>
public sealed record Param(string Key, string Value);

/// <summary>One metric point.</summary>
public sealed record Metric(string Key, double Value, long Timestamp, long Step = 0);

/// <summary>An experiment.</summary>
public sealed record Experiment
{
    public string ExperimentId { get; init; } = "";
    public string Name { get; init; } = "";
    public string ArtifactLocation { get; init; } = "";
    public string LifecycleStage { get; init; } = "";
    public long? LastUpdateTime { get; init; }
    public long? CreationTime { get; init; }
    public IReadOnlyList<Tag> Tags { get; init; } = [];
}

/// <summary>Run metadata.</summary>
public sealed record RunInfo
{
    public string RunId { get; init; } = "";

    /// <summary>Deprecated duplicate of <see cref="RunId"/>, still sent by MLflow.</summary>
    public string? RunUuid { get; init; }

    public string RunName { get; init; } = "";
    public string ExperimentId { get; init; } = "";
    public string? UserId { get; init; }
    public RunStatus Status { get; init; }
    public long? StartTime { get; init; }
    public long? EndTime { get; init; }
    public string ArtifactUri { get; init; } = "";
    public string LifecycleStage { get; init; } = "";
}

/// <summary>Run data: latest metric values, params, tags.</summary>
public sealed record RunData
{
    public IReadOnlyList<Metric> Metrics { get; init; } = [];
    public IReadOnlyList<Param> Params { get; init; } = [];
    public IReadOnlyList<Tag> Tags { get; init; } = [];
}

/// <summary>A dataset as logged by log-inputs.</summary>
public sealed record Dataset
{
    public string Name { get; init; } = "";
    public string Digest { get; init; } = "";
    public string SourceType { get; init; } = "";
    public string Source { get; init; } = "";
    public string? Schema { get; init; }
    public string? Profile { get; init; }
}

/// <summary>A dataset used by a run, with its input tags (for example <c>mlflow.data.context</c>).</summary>
public sealed record DatasetInput
{
    public IReadOnlyList<Tag> Tags { get; init; } = [];
    public Dataset Dataset { get; init; } = new();
}

/// <summary>The inputs of a run.</summary>
public sealed record RunInputs
{
    public IReadOnlyList<DatasetInput> DatasetInputs { get; init; } = [];
}

/// <summary>A run.</summary>
public sealed record Run
{
    public RunInfo Info { get; init; } = new();
    public RunData Data { get; init; } = new();
    public RunInputs Inputs { get; init; } = new();
}

/// <summary>An artifact listing entry.</summary>
public sealed record ArtifactFileInfo
{
    public string Path { get; init; } = "";
    public bool IsDir { get; init; }
    public long? FileSize { get; init; }
}

/// <summary>An alias of a registered model and the version it points at.</summary>
public sealed record RegisteredModelAlias(string Alias, string Version);

/// <summary>A registered model.</summary>
public sealed record RegisteredModel
{
    public string Name { get; init; } = "";
    public long? CreationTimestamp { get; init; }
    public long? LastUpdatedTimestamp { get; init; }
    public string? UserId { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<ModelVersion> LatestVersions { get; init; } = [];
    public IReadOnlyList<Tag> Tags { get; init; } = [];
    public IReadOnlyList<RegisteredModelAlias> Aliases { get; init; } = [];
}

/// <summary>A version of a registered model.</summary>
public sealed record ModelVersion
{
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public long? CreationTimestamp { get; init; }
    public long? LastUpdatedTimestamp { get; init; }
    public string? UserId { get; init; }
    public string? CurrentStage { get; init; }
    public string? Description { get; init; }
    public string Source { get; init; } = "";
    public string? RunId { get; init; }
    public ModelVersionStatus Status { get; init; }
    public string? StatusMessage { get; init; }
    public IReadOnlyList<Tag> Tags { get; init; } = [];
    public string? RunLink { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
}
