using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Platform.TemporalServer.Engine;

namespace Platform.TemporalServer.Storage;

/// <summary>A run as read back from the store.</summary>
internal sealed record StoredExecution(string Namespace, string WorkflowId, string RunId, ExecutionRecord State, IReadOnlyList<byte[]> Events);

/// <summary>
/// SQLite persistence (WAL). Every engine operation writes all runs and schedules it touched in one transaction before
/// it answers, so an acknowledged request survives a crash. ":memory:" keeps the same code path without a file.
/// </summary>
internal sealed class ExecutionStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public ExecutionStore(string? databasePath, bool synchronousFull)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = string.IsNullOrEmpty(databasePath) ? ":memory:" : databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            CreateSchema(synchronousFull);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    private void CreateSchema(bool synchronousFull)
    {
        var synchronous = synchronousFull ? "FULL" : "NORMAL";
        Execute($"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={synchronous};
            CREATE TABLE IF NOT EXISTS executions (
                run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS events (
                run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, event_id));
            CREATE TABLE IF NOT EXISTS schedules (
                namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
            """);
    }

    public IReadOnlyList<StoredExecution> LoadExecutions()
    {
        var events = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT run_id, data FROM events ORDER BY run_id, event_id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var runId = reader.GetString(0);
                if (!events.TryGetValue(runId, out var list))
                {
                    events[runId] = list = [];
                }

                list.Add((byte[])reader.GetValue(1));
            }
        }

        var result = new List<StoredExecution>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT namespace, workflow_id, run_id, state FROM executions";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var runId = reader.GetString(2);
                ExecutionRecord state;
                try
                {
                    state = JsonSerializer.Deserialize(reader.GetString(3), StoreJsonContext.Default.ExecutionRecord)
                        ?? throw new InvalidDataException($"Stored state of run {runId} is empty.");
                }
                catch (JsonException ex)
                {
                    // Refuse to run on corrupt state rather than silently losing workflows.
                    throw new InvalidDataException($"Stored state of run {runId} is unreadable: {ex.Message}", ex);
                }

                result.Add(new StoredExecution(reader.GetString(0), reader.GetString(1), runId, state,
                    events.TryGetValue(runId, out var list) ? list : []));
            }
        }

        return result;
    }

    public IReadOnlyList<ScheduleRecord> LoadSchedules()
    {
        var result = new List<ScheduleRecord>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT state FROM schedules";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            try
            {
                result.Add(JsonSerializer.Deserialize(reader.GetString(0), StoreJsonContext.Default.ScheduleRecord)
                    ?? throw new InvalidDataException("Stored schedule is empty."));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"A stored schedule is unreadable: {ex.Message}", ex);
            }
        }

        return result;
    }

    /// <summary>Writes the new events and current state of each run, and each changed schedule, atomically.</summary>
    public void Save(IEnumerable<Execution> executions, IEnumerable<ScheduleRecord> schedules, IEnumerable<(string Namespace, string ScheduleId)> deletedSchedules,
        IEnumerable<string> purgedRunIds)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var runId in purgedRunIds)
        {
            using var purge = _connection.CreateCommand();
            purge.Transaction = transaction;
            purge.CommandText = "DELETE FROM events WHERE run_id = $run; DELETE FROM executions WHERE run_id = $run;";
            purge.Parameters.AddWithValue("$run", runId);
            purge.ExecuteNonQuery();
        }

        using var insertEvent = _connection.CreateCommand();
        insertEvent.Transaction = transaction;
        insertEvent.CommandText = "INSERT OR REPLACE INTO events (run_id, event_id, data) VALUES ($run, $id, $data)";
        var runParameter = insertEvent.Parameters.Add("$run", SqliteType.Text);
        var idParameter = insertEvent.Parameters.Add("$id", SqliteType.Integer);
        var dataParameter = insertEvent.Parameters.Add("$data", SqliteType.Blob);
        using var upsertState = _connection.CreateCommand();
        upsertState.Transaction = transaction;
        upsertState.CommandText = "INSERT OR REPLACE INTO executions (run_id, namespace, workflow_id, state) VALUES ($run, $ns, $wf, $state)";
        var stateRun = upsertState.Parameters.Add("$run", SqliteType.Text);
        var stateNs = upsertState.Parameters.Add("$ns", SqliteType.Text);
        var stateWf = upsertState.Parameters.Add("$wf", SqliteType.Text);
        var stateJson = upsertState.Parameters.Add("$state", SqliteType.Text);
        foreach (var execution in executions)
        {
            for (var i = execution.PersistedEvents; i < execution.History.Count; i++)
            {
                runParameter.Value = execution.RunId;
                idParameter.Value = execution.History[i].EventId;
                dataParameter.Value = Google.Protobuf.MessageExtensions.ToByteArray(execution.History[i]);
                insertEvent.ExecuteNonQuery();
            }

            execution.PersistedEvents = execution.History.Count;
            stateRun.Value = execution.RunId;
            stateNs.Value = execution.Namespace;
            stateWf.Value = execution.WorkflowId;
            stateJson.Value = JsonSerializer.Serialize(execution.State, StoreJsonContext.Default.ExecutionRecord);
            upsertState.ExecuteNonQuery();
        }

        foreach (var schedule in schedules)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR REPLACE INTO schedules (namespace, schedule_id, state) VALUES ($ns, $id, $state)";
            command.Parameters.AddWithValue("$ns", schedule.Namespace);
            command.Parameters.AddWithValue("$id", schedule.ScheduleId);
            command.Parameters.AddWithValue("$state", JsonSerializer.Serialize(schedule, StoreJsonContext.Default.ScheduleRecord));
            command.ExecuteNonQuery();
        }

        foreach (var (ns, scheduleId) in deletedSchedules)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM schedules WHERE namespace = $ns AND schedule_id = $id";
            command.Parameters.AddWithValue("$ns", ns);
            command.Parameters.AddWithValue("$id", scheduleId);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>A schedule's persisted state; protobuf parts are kept as their wire bytes.</summary>
internal sealed class ScheduleRecord
{
    public string Namespace { get; set; } = string.Empty;

    public string ScheduleId { get; set; } = string.Empty;

    public byte[] Schedule { get; set; } = [];

    public byte[]? Memo { get; set; }

    public byte[]? SearchAttributes { get; set; }

    public DateTime CreateTime { get; set; }

    public DateTime? UpdateTime { get; set; }

    public long ConflictToken { get; set; }

    public long ActionCount { get; set; }

    public long MissedCatchupWindow { get; set; }

    public long OverlapSkipped { get; set; }

    /// <summary>Last nominal fire time processed; the next one is computed from it.</summary>
    public DateTime LastProcessedTime { get; set; }

    public List<ScheduleActionRecord> RecentActions { get; set; } = [];

    /// <summary>Starts deferred by a buffering overlap policy.</summary>
    public List<DateTime> BufferedStarts { get; set; } = [];
}

internal sealed class ScheduleActionRecord
{
    public DateTime ScheduleTime { get; set; }

    public DateTime ActualTime { get; set; }

    public string WorkflowId { get; set; } = string.Empty;

    public string RunId { get; set; } = string.Empty;
}

[JsonSerializable(typeof(ExecutionRecord))]
[JsonSerializable(typeof(ScheduleRecord))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
