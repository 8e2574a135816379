using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Storage.Trading;

/// <summary>One schema step: applied once, in version order, and never edited once released (its checksum is kept).</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>
    /// Migrations embedded in <paramref name="assembly"/> under logical names "<paramref name="prefix"/>NNNN_name.sql",
    /// ordered by NNNN; duplicate or malformed versions are an error.
    /// </summary>
    public static IReadOnlyList<SchemaMigration> FromResources(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var separator = file.IndexOf('_', StringComparison.Ordinal);
            if (!file.EndsWith(".sql", StringComparison.Ordinal) || separator <= 0
                || !int.TryParse(file.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidDataException($"migration '{resource}' is not named NNNN_name.sql");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new SchemaMigration(version, file[(separator + 1)..^4], reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        return duplicate is not null
            ? throw new InvalidDataException($"two migrations have version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}")
            : [.. migrations.OrderBy(m => m.Version)];
    }
}

/// <summary>
/// Applies pending migrations in one transaction, recording each in <c>schema_migrations</c> (version, name, checksum,
/// applied at): running it again applies nothing; an applied migration whose text changed, or a database newer than
/// this build, stops the start with a clear error.
/// </summary>
public static class SchemaMigrator
{
    /// <returns>The versions applied now (empty when the schema was current).</returns>
    public static async Task<IReadOnlyList<int>> ApplyAsync(
        DbConnection connection,
        IReadOnlyList<SchemaMigration> migrations,
        SqlDialect dialect,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(dialect);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.LockMigrationsAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at {dialect.TimeType} NOT NULL)", cancellationToken);
        var applied = new Dictionary<int, string>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT version, checksum FROM schema_migrations";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = reader.GetString(1);
            }
        }

        var known = migrations.Select(m => m.Version).ToHashSet();
        if (applied.Keys.Where(v => !known.Contains(v)).Order().ToList() is [_, ..] newer)
        {
            throw new InvalidOperationException($"the trading store has schema versions this build does not know ({string.Join(", ", newer)}): run a newer platform");
        }

        var done = new List<int>();
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var checksum))
            {
                if (checksum != migration.Checksum)
                {
                    throw new InvalidOperationException($"migration {migration.Version} ({migration.Name}) was changed after it was applied (checksum {checksum} in the store, {migration.Checksum} in this build); add a new migration instead");
                }

                continue;
            }

            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@version, @name, @checksum, @applied_at)";
            SqlParameters.Add(record, "@version", migration.Version);
            SqlParameters.Add(record, "@name", migration.Name);
            SqlParameters.Add(record, "@checksum", migration.Checksum);
            SqlParameters.Add(record, "@applied_at", dialect.Time(DateTimeOffset.UtcNow));
            await record.ExecuteNonQueryAsync(cancellationToken);
            done.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal static class SqlParameters
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
