namespace Platform.Domain;

/// <summary>A half-open UTC date range [From, To).</summary>
public sealed record DateRange(DateTimeOffset From, DateTimeOffset To)
{
    public override string ToString() => $"{From:yyyy-MM-dd HH:mm}..{To:yyyy-MM-dd HH:mm}";
}
