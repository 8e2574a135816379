using Platform.Domain.Features;
using Platform.Learning.Networks;

namespace Platform.Learning.Agents;

/// <summary>
/// What a DQN agent sees at the close of row t: the normalised feature window of rows t − window + 1 … t (oldest first),
/// then the position it holds as one extra input, open lots / max lots (0 = flat, 1 = fully invested).
/// </summary>
public sealed class AgentStates
{
    public AgentStates(FeatureMatrix normalized, int maxLots)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLots, 1);
        Features = normalized;
        MaxLots = maxLots;
    }

    public FeatureMatrix Features { get; }

    public int MaxLots { get; }

    public int WindowLength => Features.Spec.WindowLength;

    public int FeatureCount => Features.FeatureCount;

    public int StateSize => (WindowLength * FeatureCount) + 1;

    public int FirstObservableRow => Features.FirstObservableRow;

    /// <summary>The network shape these states fit, for a given architecture.</summary>
    public QNetworkSpec NetworkSpec(QNetworkKind kind, int hiddenSize, bool dueling) => new()
    {
        Kind = kind,
        WindowLength = WindowLength,
        FeatureCount = FeatureCount,
        ExtraInputs = 1,
        HiddenSize = hiddenSize,
        ActionCount = 3,
        Dueling = dueling,
    };

    public float PositionInput(int openLots) => PositionInputOf(openLots, MaxLots);

    /// <summary>The network's position input: open lots / max lots (0 = flat, 1 = fully invested).</summary>
    public static float PositionInputOf(int openLots, int maxLots) => (float)openLots / maxLots;

    public void Write(int row, int openLots, Span<float> destination)
    {
        if (destination.Length != StateSize)
        {
            throw new ArgumentException($"A state has {StateSize} floats (got room for {destination.Length}).", nameof(destination));
        }

        Features.Window(row).CopyTo(destination);
        destination[^1] = PositionInput(openLots);
    }
}
