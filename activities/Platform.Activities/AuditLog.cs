using System.Text.Json;
using Platform.Workflows;

namespace Platform.Activities;

/// <summary>The append-only record of who promoted, rejected or rolled back what, when and why.</summary>
public interface IAuditLog
{
    /// <summary>Appends unless an entry with the same workflow id and action exists (activity retries stay idempotent).</summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditEntry>> ReadAsync(CancellationToken cancellationToken = default);
}

/// <summary>An <see cref="IAuditLog"/> in a JSON-lines file: one entry per line, readable with any tool.</summary>
public sealed class JsonLinesAuditLog(string path) : IAuditLog, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly SemaphoreSlim gate = new(1, 1);

    public void Dispose() => gate.Dispose();

    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var existing = await ReadUnlockedAsync(cancellationToken);
            if (existing.Any(e => e.WorkflowId == entry.WorkflowId && e.Action == entry.Action))
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.AppendAllTextAsync(path, JsonSerializer.Serialize(entry, Json) + "\n", cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await ReadUnlockedAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IReadOnlyList<AuditEntry>> ReadUnlockedAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var entries = new List<AuditEntry>();
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<AuditEntry>(line, Json) ?? throw new JsonException("empty entry"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not an audit entry ({e.Message})", e);
            }
        }

        return entries;
    }
}
