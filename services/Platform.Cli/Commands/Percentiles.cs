namespace Platform.Cli.Commands;

/// <summary>The benchmarks' percentile: nearest rank over sorted samples (NaN when there are none).</summary>
internal static class Percentiles
{
    public static double NearestRank(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
