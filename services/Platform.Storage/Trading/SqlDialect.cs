using System.Data.Common;

namespace Platform.Storage.Trading;

/// <summary>
/// What differs between the relational adapters: how exact decimals, instants and partition days are stored, and how
/// concurrent migrations are serialised. The SQL of the trading store itself is shared (ON CONFLICT is in both).
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Column type of instants in <c>schema_migrations</c>.</summary>
    public abstract string TimeType { get; }

    public abstract object Money(decimal value);

    public abstract decimal ReadMoney(DbDataReader reader, int ordinal);

    /// <summary>An instant, already truncated to the microsecond and in UTC (<see cref="Micro"/>).</summary>
    public abstract object Time(DateTimeOffset value);

    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>The UTC day of an instant: the partition key part of every time-keyed row.</summary>
    public abstract object Day(DateTimeOffset value);

    public abstract Task LockMigrationsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Instants are stored to the microsecond (PostgreSQL's resolution) in UTC.</summary>
    public static DateTimeOffset Micro(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
