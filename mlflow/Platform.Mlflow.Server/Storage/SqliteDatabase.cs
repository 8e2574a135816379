using Microsoft.Data.Sqlite;

namespace Platform.Mlflow.Server.Storage;

/// <summary>
/// The server's SQLite metadata database. One connection, one operation at a time: a local server's load is small and
/// serialising every operation makes each request atomic without SQLite busy/upgrade races.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public SqliteDatabase(string databaseFile)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _connection.Open();

        // Pragmas apply per connection and outside transactions; the server keeps this one connection.
        Exec(_connection, null, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        Execute(static (connection, transaction) =>
        {
            Exec(connection, transaction, Schema);
            var version = Convert.ToInt64(Scalar(connection, transaction, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new InvalidOperationException($"The store was written by a newer server (schema {version}, this server knows {SchemaVersion}).");
            }

            Exec(connection, transaction, $"PRAGMA user_version = {SchemaVersion};");
        });
    }

    /// <summary>Runs <paramref name="work"/> alone, inside a transaction committed when it returns.</summary>
    public T Execute<T>(Func<SqliteConnection, SqliteTransaction?, T> work)
    {
        _gate.Wait();
        try
        {
            using var transaction = _connection.BeginTransaction();
            var result = work(_connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/>, which answers nothing, alone inside a transaction committed when it returns.</summary>
    public void Execute(Action<SqliteConnection, SqliteTransaction?> work) => Execute((connection, transaction) =>
    {
        work(connection, transaction);
        return 0;
    });

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    public static int Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static List<T> Query<T>(SqliteConnection connection, SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // SQL text is constant; values are always bound parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS experiments (
            experiment_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            artifact_location TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL,
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS experiment_tags (
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (experiment_id, key));
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
            run_name TEXT NOT NULL,
            user_id TEXT NOT NULL,
            status TEXT NOT NULL,
            start_time INTEGER,
            end_time INTEGER,
            artifact_uri TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs(experiment_id);
        CREATE TABLE IF NOT EXISTS params (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (run_id, key));
        CREATE TABLE IF NOT EXISTS tags (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (run_id, key));
        CREATE TABLE IF NOT EXISTS metrics (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            key TEXT NOT NULL,
            value REAL,
            timestamp INTEGER NOT NULL,
            step INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS metrics_by_run_key ON metrics(run_id, key);
        CREATE TABLE IF NOT EXISTS latest_metrics (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            key TEXT NOT NULL,
            value REAL,
            timestamp INTEGER NOT NULL,
            step INTEGER NOT NULL,
            PRIMARY KEY (run_id, key));
        CREATE TABLE IF NOT EXISTS run_inputs (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            name TEXT NOT NULL,
            digest TEXT NOT NULL,
            source_type TEXT NOT NULL,
            source TEXT NOT NULL,
            schema TEXT,
            profile TEXT,
            tags_json TEXT NOT NULL,
            PRIMARY KEY (run_id, name, digest));
        CREATE TABLE IF NOT EXISTS registered_models (
            name TEXT PRIMARY KEY,
            creation_timestamp INTEGER NOT NULL,
            last_updated_timestamp INTEGER NOT NULL,
            description TEXT);
        CREATE TABLE IF NOT EXISTS registered_model_tags (
            name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (name, key));
        CREATE TABLE IF NOT EXISTS model_versions (
            name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            creation_timestamp INTEGER NOT NULL,
            last_updated_timestamp INTEGER NOT NULL,
            description TEXT,
            source TEXT NOT NULL,
            run_id TEXT,
            run_link TEXT,
            status TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (name, version));
        CREATE TABLE IF NOT EXISTS model_version_tags (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (name, version, key),
            FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE);
        CREATE TABLE IF NOT EXISTS registered_model_aliases (
            name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (name, alias));
        """;
}
