namespace Platform.Domain.Features;

/// <summary>
/// Z-score statistics per feature, fitted on the training rows only and saved with every model that uses them, so
/// validation, trading and live inference see the inputs exactly as training did.
/// </summary>
public sealed record NormalizationStats(IReadOnlyList<double> Mean, IReadOnlyList<double> StdDev, double Clip = 10d)
{
    /// <summary>Fits on rows [<paramref name="fromRow"/>, <paramref name="toRow"/>) of <paramref name="matrix"/>.</summary>
    public static NormalizationStats Fit(FeatureMatrix matrix, int fromRow, int toRow)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        fromRow = Math.Max(fromRow, matrix.FirstCompleteRow);
        if (toRow - fromRow < 2)
        {
            throw new InvalidRequestException($"Need at least two complete rows to fit normalisation, have {Math.Max(0, toRow - fromRow)}.");
        }

        var f = matrix.FeatureCount;
        var mean = new double[f];
        var m2 = new double[f];
        var n = 0;
        for (var r = fromRow; r < toRow; r++)
        {
            n++;
            var row = matrix.Row(r);
            for (var j = 0; j < f; j++)
            {
                // Welford: stable in one pass.
                var delta = row[j] - mean[j];
                mean[j] += delta / n;
                m2[j] += delta * (row[j] - mean[j]);
            }
        }

        var std = m2.Select(v => Math.Sqrt(v / (n - 1))).Select(s => s > 1e-12 ? s : 1d).ToArray();
        return new NormalizationStats(mean, std);
    }

    /// <summary>A new matrix with every value standardised and clipped to ±<see cref="Clip"/>.</summary>
    public FeatureMatrix Apply(FeatureMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var f = matrix.FeatureCount;
        if (Mean.Count != f || StdDev.Count != f)
        {
            throw new ArgumentException($"Normalisation has {Mean.Count} features, the matrix {f}.");
        }

        var values = new float[matrix.Values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var j = i % f;
            values[i] = (float)Math.Clamp((matrix.Values[i] - Mean[j]) / StdDev[j], -Clip, Clip);
        }

        return new FeatureMatrix(matrix.Spec, values, matrix.Rows, matrix.FirstCompleteRow);
    }
}
