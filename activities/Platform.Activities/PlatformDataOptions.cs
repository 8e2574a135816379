namespace Platform.Activities;

/// <summary>Where the platform keeps its state on disk (embedded defaults); validated at start.</summary>
public sealed record PlatformDataOptions
{
    public const string Section = "Platform:Data";

    /// <summary>Root of the platform's files: market store, audit log, training checkpoints.</summary>
    public string Directory { get; init; } = ".platform";

    /// <summary>Where backfills read klines from when a request names no source: the bundled data set by default.</summary>
    public string? DefaultSourceDirectory { get; init; }

    public string MarketStorePath => Path.Combine(Directory, "market.duckdb");

    public string AuditLogPath => Path.Combine(Directory, "audit.jsonl");

    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    public IReadOnlyList<string> Validate() =>
        string.IsNullOrWhiteSpace(Directory) ? ["Platform:Data:Directory is required"] : [];
}
