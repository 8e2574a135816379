using Platform.Storage.Postgres;

namespace Platform.Worker;

/// <summary>
/// Where the platform's pieces run. Leave an address empty for the embedded default (started in-process); set it
/// (or TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI) to use a real cluster — the same code, configuration only.
/// </summary>
public sealed record PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>host:port of a Temporal frontend; empty → the embedded server.</summary>
    public string? TemporalAddress { get; init; }

    public string TemporalNamespace { get; init; } = "default";

    public string TaskQueue { get; init; } = Platform.Workflows.TaskQueues.Lifecycle;

    /// <summary>Port of the embedded Temporal server (0 = any free port).</summary>
    public int EmbeddedTemporalPort { get; init; } = 7233;

    /// <summary>MLflow tracking URI; empty → the embedded MLflow-compatible server.</summary>
    public Uri? MlflowTrackingUri { get; init; }

    /// <summary>Port of the embedded MLflow server (0 = any free port).</summary>
    public int EmbeddedMlflowPort { get; init; } = 5000;

    /// <summary>Root of everything the platform stores locally (market store, audit log, embedded servers' files).</summary>
    public string DataDirectory { get; init; } = ".platform";

    /// <summary>
    /// The trading store's PostgreSQL server (PLATFORM_POSTGRES); null → the embedded SQLite file in the data directory.
    /// Prints as host, port, database and user: never the password.
    /// </summary>
    public PostgresConnectionString? Postgres { get; init; }

    /// <summary>Embedded Temporal server state in memory instead of a SQLite file (tests, demos that leave nothing behind).</summary>
    public bool InMemoryTemporal { get; init; }

    /// <summary>Applies TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, MLFLOW_TRACKING_URI and PLATFORM_POSTGRES when set (a malformed PLATFORM_POSTGRES is an <see cref="ArgumentException"/>).</summary>
    public PlatformOptions WithEnvironment()
    {
        var temporal = Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        var ns = Environment.GetEnvironmentVariable("TEMPORAL_NAMESPACE");
        var mlflow = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI");
        return this with
        {
            TemporalAddress = string.IsNullOrWhiteSpace(temporal) ? TemporalAddress : temporal,
            TemporalNamespace = string.IsNullOrWhiteSpace(ns) ? TemporalNamespace : ns,
            MlflowTrackingUri = string.IsNullOrWhiteSpace(mlflow) ? MlflowTrackingUri : new Uri(mlflow),
            Postgres = PostgresConnectionString.FromEnvironment() ?? Postgres,
        };
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("data directory is required");
        }

        if (string.IsNullOrWhiteSpace(TaskQueue))
        {
            errors.Add("task queue is required");
        }

        if (EmbeddedTemporalPort is < 0 or > 65535 || EmbeddedMlflowPort is < 0 or > 65535)
        {
            errors.Add("embedded ports must be in [0, 65535]");
        }

        if (MlflowTrackingUri is { IsAbsoluteUri: false })
        {
            errors.Add($"MLflow tracking URI '{MlflowTrackingUri}' must be absolute");
        }

        return errors;
    }
}
