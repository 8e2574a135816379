using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.Learning.Networks;

namespace Platform.Learning.Agents;

/// <summary>
/// A DQN model as an <see cref="IBarDecider"/>: each raw row is normalised with the model's own statistics and encoded
/// into its step state (<see cref="QNetworkInference.EncodeStep"/>) in a ring of the last window's rows; a decision lays
/// the window out oldest first, adds the position input (open lots / max lots, as <see cref="AgentStates"/> does) and
/// scores it with <see cref="QNetworkInference"/>.
/// </summary>
public sealed class DqnDecider : IBarDecider
{
    private readonly QNetworkInference network;
    private readonly RowNormalizer normalizer;
    private readonly float[] normalized;
    private readonly float[] ring;
    private readonly float[] extra = new float[1];
    private readonly int width;
    private int pushed;
    private int completeRun;

    public DqnDecider(QNetworkInference network, FeatureSpec spec, NormalizationStats normalization, int maxLots)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLots, 1);
        var shape = network.Spec;
        if (shape.WindowLength != spec.WindowLength || shape.FeatureCount != spec.FeatureCount || shape.ExtraInputs != 1)
        {
            throw new ArgumentException($"The network takes {shape.WindowLength}×{shape.FeatureCount} windows and {shape.ExtraInputs} extra input(s); spec '{spec.Name}' gives {spec.WindowLength}×{spec.FeatureCount} plus the position.");
        }

        if (normalization.Mean.Count != spec.FeatureCount)
        {
            throw new ArgumentException($"The normalisation has {normalization.Mean.Count} features; spec '{spec.Name}' has {spec.FeatureCount}.");
        }

        this.network = network;
        normalizer = normalization.CreateRowNormalizer();
        normalized = new float[spec.FeatureCount];
        Spec = spec;
        MaxLots = maxLots;
        width = network.StepSize;
        ring = new float[spec.WindowLength * width];
    }

    public FeatureSpec Spec { get; }

    public int MaxLots { get; }

    public int ActionCount => network.Spec.ActionCount;

    public bool CanDecide => completeRun >= Spec.WindowLength;

    public void Push(ReadOnlySpan<float> rawFeatures, bool complete)
    {
        var slot = pushed % Spec.WindowLength;
        normalizer.Apply(rawFeatures, normalized);
        network.EncodeStep(normalized, ring.AsSpan(slot * width, width));
        pushed++;
        completeRun = complete ? completeRun + 1 : 0;
    }

    public TradeAction Decide(int openLots, Span<float> qValues)
    {
        if (qValues.Length != ActionCount)
        {
            throw new ArgumentException($"The model gives {ActionCount} Q-values; got room for {qValues.Length}.", nameof(qValues));
        }

        if (openLots < 0 || openLots > MaxLots)
        {
            throw new ArgumentOutOfRangeException(nameof(openLots), openLots, $"Open lots must be in [0, {MaxLots}].");
        }

        if (!CanDecide)
        {
            qValues.Fill(float.NaN);
            return TradeAction.Hold;
        }

        // The ring's oldest row is the one the next push overwrites: the window is ring[oldest..] then ring[..oldest].
        var oldest = (pushed % Spec.WindowLength) * width;
        extra[0] = AgentStates.PositionInputOf(openLots, MaxLots);
        network.QValues(ring.AsSpan(oldest), ring.AsSpan(0, oldest), extra, qValues);
        return GreedyChoice.Of(qValues);
    }

    public void Reset()
    {
        pushed = 0;
        completeRun = 0;
    }
}
