namespace Platform.Domain.Evaluation;

/// <summary>Median, mean and a percentile-bootstrap confidence interval of the mean of a small sample (e.g. one value per fold).</summary>
public sealed record SampleSummary(int Count, double Median, double Mean, double Low, double High, double Min, double Max)
{
    /// <param name="confidence">Two-sided level of the interval, e.g. 0.95.</param>
    /// <param name="resamples">Bootstrap resamples; seeded, so the interval is reproducible.</param>
    public static SampleSummary Of(IReadOnlyList<double> sample, double confidence = 0.95, int resamples = 2_000, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.Count == 0)
        {
            return new SampleSummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        if (confidence is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1).");
        }

        var random = new Random(seed);
        var means = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (var i = 0; i < sample.Count; i++)
            {
                sum += sample[random.Next(sample.Count)];
            }

            means[b] = sum / sample.Count;
        }

        Array.Sort(means);
        var tail = (1 - confidence) / 2;
        return new SampleSummary(sample.Count, Quantile(sample, 0.5), sample.Average(), Quantile(means, tail), Quantile(means, 1 - tail), sample.Min(), sample.Max());
    }

    /// <summary>Linear interpolation between closest ranks (type 7, the default of R and NumPy).</summary>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var h = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(h);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((h - low) * (sorted[high] - sorted[low]));
    }
}
