using Platform.Mlflow;

namespace Platform.Worker;

/// <summary>
/// Where the platform's pieces run. Leave an address empty for the embedded default (started in-process); set it
/// (or TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI) to use a real cluster — the same code, configuration only.
/// </summary>
public sealed record PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>A Temporal frontend (address, namespace, TLS, API key); null → the embedded server.</summary>
    public TemporalEndpoint? Temporal { get; init; }

    /// <summary>The namespace workflows run in (the embedded server's is "default").</summary>
    public string TemporalNamespace => Temporal?.Namespace ?? "default";

    public string TaskQueue { get; init; } = Platform.Workflows.TaskQueues.Lifecycle;

    /// <summary>Port of the embedded Temporal server (0 = any free port).</summary>
    public int EmbeddedTemporalPort { get; init; } = 7233;

    /// <summary>An MLflow tracking server (URI and credentials); null → the embedded MLflow-compatible server.</summary>
    public MlflowClientOptions? Mlflow { get; init; }

    /// <summary>Port of the embedded MLflow server (0 = any free port).</summary>
    public int EmbeddedMlflowPort { get; init; } = 5000;

    /// <summary>Root of everything the platform stores locally (market store, audit log, embedded servers' files).</summary>
    public string DataDirectory { get; init; } = ".platform";

    /// <summary>Embedded Temporal server state in memory instead of a SQLite file (tests, demos that leave nothing behind).</summary>
    public bool InMemoryTemporal { get; init; }

    /// <summary>
    /// Uses a real Temporal server when TEMPORAL_ADDRESS is set (with the other TEMPORAL_* variables, see
    /// <see cref="TemporalEndpoint"/>) and a real MLflow server when MLFLOW_TRACKING_URI is set (with
    /// MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN, see <see cref="MlflowClientOptions.FromEnvironment"/>).
    /// </summary>
    public PlatformOptions WithEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        return this with
        {
            Temporal = string.IsNullOrWhiteSpace(getVariable("TEMPORAL_ADDRESS")) ? Temporal : (Temporal ?? new TemporalEndpoint()).WithEnvironment(getVariable),
            Mlflow = string.IsNullOrWhiteSpace(getVariable("MLFLOW_TRACKING_URI")) ? Mlflow : MlflowClientOptions.FromEnvironment(getVariable),
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

        if (Temporal is not null)
        {
            errors.AddRange(Temporal.Validate());
        }

        try
        {
            Mlflow?.Validate();
        }
        catch (MlflowConfigurationException e)
        {
            errors.Add(e.Message);
        }

        return errors;
    }
}
