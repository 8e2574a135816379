namespace Platform.Domain.Features;

/// <summary>
/// Per-row features (row-major, float32 for the networks) aligned with a <see cref="MarketFrame"/>. Row t uses only
/// klines with open time ≤ t. A model's observation at t is rows t − window + 1 … t.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(FeatureSpec spec, float[] values, int rows, int firstCompleteRow)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != rows * spec.FeatureCount)
        {
            throw new ArgumentException($"Expected {rows}×{spec.FeatureCount} values, got {values.Length}.", nameof(values));
        }

        Spec = spec;
        Values = values;
        Rows = rows;
        FirstCompleteRow = firstCompleteRow;
    }

    public FeatureSpec Spec { get; }

    public float[] Values { get; }

    public int Rows { get; }

    public int FeatureCount => Spec.FeatureCount;

    /// <summary>First row whose own features are defined (warm-up done for every symbol).</summary>
    public int FirstCompleteRow { get; }

    /// <summary>First row with a full window of defined rows behind it: the first row a model may act on.</summary>
    public int FirstObservableRow => FirstCompleteRow + Spec.WindowLength - 1;

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>The observation window ending at <paramref name="row"/>, oldest first, length window × features.</summary>
    public ReadOnlySpan<float> Window(int row)
    {
        if (row < FirstObservableRow || row >= Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} has no full window (observable rows {FirstObservableRow}..{Rows - 1}).");
        }

        var start = (row - Spec.WindowLength + 1) * FeatureCount;
        return Values.AsSpan(start, Spec.WindowLength * FeatureCount);
    }
}
