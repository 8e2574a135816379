namespace Platform.Domain.Evaluation;

/// <summary>The result of combinatorially symmetric cross-validation over a set of trials.</summary>
/// <param name="Probability">Share of the splits in which the in-sample best trial ranks at or below the out-of-sample median (λ ≤ 0).</param>
/// <param name="Logits">λ = ln(ω / (1 − ω)) per split, ω the out-of-sample relative rank of the in-sample best.</param>
public sealed record OverfittingEstimate(double Probability, IReadOnlyList<double> Logits, int Trials, int Groups, int Splits);

/// <summary>
/// Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein, López de Prado
/// and Zhu, 2015). The rows (time) of a trials' return matrix are cut into S equal groups; for every choice of S/2
/// groups as in-sample, the trial with the best in-sample Sharpe ratio is ranked among all trials on the other half.
/// PBO is the share of splits where that trial lands in the bottom half out of sample.
/// </summary>
public static class BacktestOverfitting
{
    /// <param name="returns">One array of per-period returns per trial, all of the same length and aligned in time.</param>
    /// <param name="groups">S, even, at least 2; C(S, S/2) splits are evaluated.</param>
    public static OverfittingEstimate Estimate(IReadOnlyList<IReadOnlyList<double>> returns, int groups = 16)
    {
        ArgumentNullException.ThrowIfNull(returns);
        if (returns.Count < 2)
        {
            throw new ArgumentException($"CSCV needs at least 2 trials (got {returns.Count}).");
        }

        if (groups < 2 || groups % 2 != 0 || groups > 24)
        {
            throw new ArgumentException($"CSCV needs an even number of groups in [2, 24] (got {groups}).");
        }

        var rows = returns[0].Count;
        if (returns.Any(r => r.Count != rows))
        {
            throw new ArgumentException("CSCV needs every trial's returns over the same rows.");
        }

        if (rows < 2 * groups)
        {
            throw new ArgumentException($"CSCV with {groups} groups needs at least {2 * groups} rows (got {rows}).");
        }

        // Per trial and group: count, sum and sum of squares, so each split's Sharpe is a few additions.
        var trials = returns.Count;
        var stats = new (int N, double Sum, double SumSq)[trials, groups];
        for (var t = 0; t < trials; t++)
        {
            for (var i = 0; i < rows; i++)
            {
                var g = (int)((long)i * groups / rows);
                var x = returns[t][i];
                stats[t, g] = (stats[t, g].N + 1, stats[t, g].Sum + x, stats[t, g].SumSq + (x * x));
            }
        }

        var logits = new List<double>();
        var half = groups / 2;
        var inSample = new double[trials];
        var outSample = new double[trials];
        for (var mask = 0; mask < 1 << groups; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != half)
            {
                continue;
            }

            for (var t = 0; t < trials; t++)
            {
                inSample[t] = Sharpe(stats, t, groups, mask, inSample: true);
                outSample[t] = Sharpe(stats, t, groups, mask, inSample: false);
            }

            // Ties in-sample go to the first trial, so the estimate is deterministic.
            var best = 0;
            for (var t = 1; t < trials; t++)
            {
                if (inSample[t] > inSample[best])
                {
                    best = t;
                }
            }

            // Relative rank in (0, 1): ties share the average rank.
            var below = outSample.Count(v => v < outSample[best]);
            var equal = outSample.Count(v => v == outSample[best]);
            var rank = below + ((equal + 1) / 2d);
            var omega = rank / (trials + 1d);
            logits.Add(Math.Log(omega / (1 - omega)));
        }

        return new OverfittingEstimate(logits.Count(l => l <= 0) / (double)logits.Count, logits, trials, groups, logits.Count);
    }

    private static double Sharpe((int N, double Sum, double SumSq)[,] stats, int trial, int groups, int mask, bool inSample)
    {
        long n = 0;
        double sum = 0, sumSq = 0;
        for (var g = 0; g < groups; g++)
        {
            if (((mask >> g) & 1) == 1 == inSample)
            {
                n += stats[trial, g].N;
                sum += stats[trial, g].Sum;
                sumSq += stats[trial, g].SumSq;
            }
        }

        var mean = sum / n;
        var variance = (sumSq - (n * mean * mean)) / Math.Max(n - 1, 1);
        return variance > 1e-24 ? mean / Math.Sqrt(variance) : 0d;
    }
}
