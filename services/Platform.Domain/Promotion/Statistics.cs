namespace Platform.Domain.Promotion;

/// <summary>The few statistical functions promotion needs, written out so the domain stays dependency-free.</summary>
public static class Statistics
{
    /// <summary>Euler–Mascheroni constant.</summary>
    public const double EulerGamma = 0.5772156649015329;

    /// <summary>Standard normal CDF via a high-accuracy erfc (|error| &lt; 1.2e-7).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2d));

    /// <summary>Inverse standard normal CDF (Acklam's rational approximation, refined by one Halley step).</summary>
    public static double NormalQuantile(double p)
    {
        if (p is <= 0d or >= 1d)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must be in (0, 1).");
        }

        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }

        var e = NormalCdf(x) - p;
        var u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - (u / (1 + (x * u / 2)));
    }

    /// <summary>Mean, sample standard deviation, skewness and (non-excess) kurtosis of a sample.</summary>
    public static (double Mean, double StdDev, double Skewness, double Kurtosis) Moments(IReadOnlyList<double> sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var n = sample.Count;
        if (n < 2)
        {
            return (n == 1 ? sample[0] : 0d, 0d, 0d, 3d);
        }

        var mean = sample.Average();
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (var x in sample)
        {
            var d = x - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }

        m2 /= n;
        m3 /= n;
        m4 /= n;
        var std = Math.Sqrt(m2 * n / (n - 1));
        return m2 > 0 ? (mean, std, m3 / Math.Pow(m2, 1.5), m4 / (m2 * m2)) : (mean, 0d, 0d, 3d);
    }

    private static double Erfc(double x)
    {
        // Numerical Recipes' erfc with Chebyshev fit: fractional error < 1.2e-7 everywhere.
        var z = Math.Abs(x);
        var t = 1d / (1d + (0.5 * z));
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2d - r;
    }
}

/// <summary>
/// The deflated Sharpe ratio (Bailey and López de Prado, 2014): the probability that a strategy's true Sharpe ratio is
/// above zero after accounting for how many candidates were tried and for non-normal returns. Works on per-period
/// (not annualised) Sharpe ratios.
/// </summary>
public static class DeflatedSharpe
{
    /// <summary>The Sharpe ratio the best of <paramref name="trials"/> unskilled candidates would reach by luck.</summary>
    public static double ExpectedMaxSharpe(double sharpeVarianceAcrossTrials, int trials)
    {
        if (trials < 2)
        {
            return 0d;
        }

        var g = Statistics.EulerGamma;
        return Math.Sqrt(Math.Max(sharpeVarianceAcrossTrials, 0d))
            * (((1 - g) * Statistics.NormalQuantile(1 - (1d / trials))) + (g * Statistics.NormalQuantile(1 - (1d / (trials * Math.E)))));
    }

    /// <summary>
    /// P(true Sharpe &gt; benchmark) given the observed per-period Sharpe of <paramref name="returns"/>; the benchmark is
    /// the expected maximum Sharpe of the trials (0 for a single trial: the probabilistic Sharpe ratio).
    /// </summary>
    public static double Probability(IReadOnlyList<double> returns, IReadOnlyList<double> trialSharpes)
    {
        ArgumentNullException.ThrowIfNull(returns);
        ArgumentNullException.ThrowIfNull(trialSharpes);
        var (mean, std, skew, kurt) = Statistics.Moments(returns);
        if (returns.Count < 3 || std <= 0)
        {
            return 0d;
        }

        var sharpe = mean / std;
        var benchmark = ExpectedMaxSharpe(Statistics.Moments(trialSharpes).StdDev is var s ? s * s : 0d, trialSharpes.Count);
        var denominator = 1 - (skew * sharpe) + ((kurt - 1) / 4 * sharpe * sharpe);
        if (denominator <= 0)
        {
            return 0d;
        }

        return Statistics.NormalCdf((sharpe - benchmark) * Math.Sqrt(returns.Count - 1) / Math.Sqrt(denominator));
    }
}
