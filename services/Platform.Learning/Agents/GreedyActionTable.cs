using Platform.Domain.Trading;
using Platform.Learning.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Learning.Agents;

/// <summary>
/// The greedy action of a network for every row of a range and every position state, computed up front in large
/// batches: each window is encoded once (windows are strided views of the feature matrix, not copies), then decoded
/// for each possible number of open lots. An affine network (the paper's Linear one) is first collapsed to the single
/// matrix it computes, read off by evaluating it on the unit states, which makes scoring a window ~20× cheaper.
/// Decisions during the (exact, sequential) backtest are then table look-ups.
/// </summary>
public sealed class GreedyActionTable
{
    private const int ChunkRows = 4096;
    private readonly byte[] actions;
    private readonly int positions;

    private GreedyActionTable(int startRow, int endRow, int positions, byte[] actions)
    {
        StartRow = startRow;
        EndRow = endRow;
        this.positions = positions;
        this.actions = actions;
    }

    public int StartRow { get; }

    public int EndRow { get; }

    /// <summary>The greedy action at <paramref name="row"/> holding <paramref name="openLots"/>; Hold where no full window exists.</summary>
    public TradeAction At(int row, int openLots) => (TradeAction)actions[((row - StartRow) * positions) + openLots];

    public static GreedyActionTable Compute(QNetwork network, AgentStates states, int startRow, int endRow)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(states);
        var spec = network.Spec;
        if (spec.WindowLength != states.WindowLength || spec.FeatureCount != states.FeatureCount || spec.ExtraInputs != 1)
        {
            throw new ArgumentException($"The network takes {spec.WindowLength}×{spec.FeatureCount} windows and {spec.ExtraInputs} extra inputs; the states are {states.WindowLength}×{states.FeatureCount} plus the position.");
        }

        if (startRow < 0 || endRow > states.Features.Rows || startRow >= endRow)
        {
            throw new ArgumentOutOfRangeException(nameof(startRow), $"Rows [{startRow}, {endRow}) are not a range of the {states.Features.Rows} feature rows.");
        }

        var positions = states.MaxLots + 1;
        var table = new byte[(endRow - startRow) * positions];
        var first = Math.Max(startRow, states.FirstObservableRow);
        if (first < endRow)
        {
            Fill(network, states, first, endRow, table, (first - startRow) * positions, positions);
        }

        return new GreedyActionTable(startRow, endRow, positions, table);
    }

    /// <summary>Q(x) = x·Window + position·Position + Bias for an affine network, from its outputs on 0 and the unit states.</summary>
    private static (Tensor Window, Tensor Position, Tensor Bias)? Collapse(QNetwork network)
    {
        var size = network.Spec.StateSize;
        var inputs = torch.cat([torch.zeros(1, size), torch.eye(size)], 0);
        var q = network.forward(inputs);
        var bias = q.narrow(0, 0, 1);
        var slopes = q.narrow(0, 1, size) - bias;
        return (slopes.narrow(0, 0, network.Spec.WindowSize).contiguous(), slopes.narrow(0, network.Spec.WindowSize, 1), bias);
    }

    /// <summary>
    /// x·W + b for every sliding window of <paramref name="sequence"/> as one 1-D convolution: no window is copied, and
    /// the work is rows × features × window multiply-adds per action instead of a gather of every window first.
    /// </summary>
    private static Tensor SlidingAffine(Tensor sequence, Tensor windowWeights, Tensor bias, int window, int width)
    {
        // windowWeights rows are (step, feature) pairs in window order; conv1d wants [actions, features, steps].
        var kernel = windowWeights.reshape(window, width, -1).permute(2, 1, 0).contiguous();
        var q = torch.nn.functional.conv1d(sequence.t().unsqueeze(0), kernel);
        return q.squeeze(0).t() + bias;
    }

    private static void Fill(QNetwork network, AgentStates states, int first, int end, byte[] table, int offset, int positions)
    {
        var window = states.WindowLength;
        var width = states.FeatureCount;
        var firstInput = first - window + 1;
        network.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var features = torch.empty([end - firstInput, width]);
        states.Features.Values.AsSpan(firstInput * width, (end - firstInput) * width).CopyTo(TensorMemory.Floats(features));
        var affine = network.IsAffine ? Collapse(network) : null;
        for (var chunkStart = 0; chunkStart < end - first; chunkStart += ChunkRows)
        {
            using var chunkScope = torch.NewDisposeScope();
            var rows = Math.Min(ChunkRows, end - first - chunkStart);

            var sequence = features.narrow(0, chunkStart, rows + window - 1);
            var best = new long[rows * positions];

            // unfold gives [rows, features, window]; transposed, the windows [rows, window, features] as a view.
            var encoded = affine is null
                ? network.EncodeSlidingWindows(sequence)
                : SlidingAffine(sequence, affine.Value.Window, affine.Value.Bias, window, width);
            for (var lots = 0; lots < positions; lots++)
            {
                var q = affine is null
                    ? network.Decode(encoded, torch.full([rows, 1], states.PositionInput(lots)))
                    : encoded + (affine.Value.Position * states.PositionInput(lots));
                var greedy = q.argmax(1).contiguous();
                var span = TensorMemory.Longs(greedy);
                for (var r = 0; r < rows; r++)
                {
                    best[(r * positions) + lots] = span[r];
                }
            }

            var destination = table.AsSpan(offset + (chunkStart * positions), rows * positions);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (byte)best[i];
            }
        }
    }
}
