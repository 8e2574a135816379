using Platform.Domain;
using Npgsql;

namespace Platform.Storage.Postgres;

/// <summary>
/// A PostgreSQL connection string (PLATFORM_POSTGRES), checked at start. <see cref="ToString"/> names host, port,
/// database and user only — the password never reaches a log, a console or an exception message.
/// </summary>
public sealed class PostgresConnectionString
{
    public const string EnvironmentVariable = "PLATFORM_POSTGRES";

    private PostgresConnectionString(string value, string description)
    {
        Value = value;
        Description = description;
    }

    /// <summary>The full connection string, for the driver only.</summary>
    public string Value { get; }

    public string Description { get; }

    /// <summary>Parses <paramref name="text"/>; every problem is a message that does not repeat the text (it may hold a password).</summary>
    public static PostgresConnectionString Parse(string text, string source = EnvironmentVariable)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidRequestException($"{source} is empty");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidRequestException($"{source} is not a valid PostgreSQL connection string; expected keywords like Host=...;Port=5432;Database=...;Username=...;Password=...");
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new InvalidRequestException($"{source} needs Host=... (a host name, address or unix socket directory)");
        }

        if (builder.Port is < 1 or > 65535)
        {
            throw new InvalidRequestException($"{source}: Port must be in [1, 65535]");
        }

        var database = string.IsNullOrWhiteSpace(builder.Database) ? builder.Username : builder.Database;
        var description = $"{builder.Host}:{builder.Port}/{database ?? "(default)"} as {builder.Username ?? "(default user)"}"
            + (string.IsNullOrWhiteSpace(builder.SearchPath) ? string.Empty : $" (schema {builder.SearchPath})");
        return new PostgresConnectionString(builder.ConnectionString, description);
    }

    /// <summary>PLATFORM_POSTGRES when set, else null.</summary>
    public static PostgresConnectionString? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } text ? Parse(text) : null;

    public override string ToString() => Description;
}
