using System.Numerics.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>
/// A fixed network's Q-values for one state at a time, computed from a snapshot of its weights in managed code. Every
/// trading decision (backtest, paper, live) goes through it, so a bar scores the same whether it is decided in a
/// two-year backtest or alone when its kline closes: one input, one fixed order of operations, no batch-size-dependent
/// kernel. An affine network (the paper's Linear one, any head) is collapsed to the single map it computes; an LSTM
/// runs its cell step by step (PyTorch's gate order i, f, g, o). It agrees with the network's torch forward to float
/// rounding. Not thread-safe (it reuses its scratch buffers): one instance per decider.
/// </summary>
public sealed class QNetworkInference
{
    private readonly QNetworkSpec spec;

    // Affine: Q[a] = bias[a] + windowWeights[a]·window + extraWeights[a]·extra.
    private readonly float[][]? windowWeights;
    private readonly float[][] extraWeights;
    private readonly float[] bias;

    // LSTM: gates = cellBias + Σk x[k]·inputColumns[k] + Σk h[k]·hiddenColumns[k]; then Q from the head.
    private readonly float[][]? inputColumns;
    private readonly float[][]? hiddenColumns;
    private readonly float[]? cellBias;
    private readonly float[][]? headWeights;
    private readonly float[] gates = [];
    private readonly float[] hidden = [];
    private readonly float[] cell = [];
    private readonly float[] scratch = [];

    private QNetworkInference(QNetworkSpec spec, float[] bias, float[][] extraWeights)
    {
        this.spec = spec;
        this.bias = bias;
        this.extraWeights = extraWeights;
    }

    private QNetworkInference(QNetworkSpec spec, float[][] windowWeights, float[][] extraWeights, float[] bias)
        : this(spec, bias, extraWeights)
    {
        this.windowWeights = windowWeights;
    }

    private QNetworkInference(QNetworkSpec spec, float[][] inputColumns, float[][] hiddenColumns, float[] cellBias, float[][] headWeights, float[][] extraWeights, float[] bias)
        : this(spec, bias, extraWeights)
    {
        this.inputColumns = inputColumns;
        this.hiddenColumns = hiddenColumns;
        this.cellBias = cellBias;
        this.headWeights = headWeights;
        var h = spec.HiddenSize;
        gates = new float[4 * h];
        hidden = new float[h];
        cell = new float[h];
        scratch = new float[h];
    }

    public QNetworkSpec Spec => spec;

    /// <summary>Snapshots <paramref name="network"/>'s weights as they are now (later training does not affect it).</summary>
    public static QNetworkInference From(QNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var weights = Weights(network);
        var spec = network.Spec;
        return spec.Kind switch
        {
            QNetworkKind.Linear => CollapseAffine(spec, weights),
            QNetworkKind.Lstm => Lstm(spec, weights),
            _ => throw new ArgumentOutOfRangeException(nameof(network), spec.Kind, "Unknown network kind."),
        };
    }

    /// <summary>
    /// Floats kept per window step: the normalised feature row itself (affine), or its LSTM input projection (4 × hidden),
    /// which depends on that row alone — so a decider computes it once when the row arrives, not once per window it is in.
    /// </summary>
    public int StepSize => windowWeights is null ? 4 * spec.HiddenSize : spec.FeatureCount;

    /// <summary>The step state of one normalised feature row (see <see cref="StepSize"/>).</summary>
    public void EncodeStep(ReadOnlySpan<float> row, Span<float> step)
    {
        if (row.Length != spec.FeatureCount || step.Length != StepSize)
        {
            throw new ArgumentException($"A step takes {spec.FeatureCount} features into {StepSize} floats; got {row.Length} and room for {step.Length}.");
        }

        if (windowWeights is not null)
        {
            row.CopyTo(step);
            return;
        }

        cellBias!.CopyTo(step);
        for (var k = 0; k < row.Length; k++)
        {
            TensorPrimitives.MultiplyAdd(inputColumns![k], row[k], step, step);
        }
    }

    /// <summary>
    /// Q-values of one state: its window steps oldest first (each <see cref="StepSize"/> floats), given as two consecutive
    /// segments so a ring buffer needs no copy (<paramref name="later"/> may be empty), and its extra inputs.
    /// </summary>
    public void QValues(ReadOnlySpan<float> earlier, ReadOnlySpan<float> later, ReadOnlySpan<float> extra, Span<float> q)
    {
        if (earlier.Length + later.Length != spec.WindowLength * StepSize || earlier.Length % StepSize != 0 || extra.Length != spec.ExtraInputs || q.Length != spec.ActionCount)
        {
            throw new ArgumentException($"The network takes {spec.WindowLength} steps of {StepSize} floats and {spec.ExtraInputs} extra input(s) and gives {spec.ActionCount} Q-values; got {earlier.Length} + {later.Length}, {extra.Length} and room for {q.Length}.");
        }

        for (var a = 0; a < q.Length; a++)
        {
            float value;
            if (windowWeights is null)
            {
                value = bias[a] + TensorPrimitives.Dot(headWeights![a], a == 0 ? RunLstm(earlier, later) : hidden);
            }
            else
            {
                var weights = windowWeights[a].AsSpan();
                value = bias[a] + TensorPrimitives.Dot(weights[..earlier.Length], earlier) + TensorPrimitives.Dot(weights[earlier.Length..], later);
            }

            for (var e = 0; e < extra.Length; e++)
            {
                value += extraWeights[a][e] * extra[e];
            }

            q[a] = value;
        }
    }

    /// <summary>Q-values of one flat state window (window × features, oldest step first): steps encoded, then scored.</summary>
    public void QValuesOfWindow(ReadOnlySpan<float> window, ReadOnlySpan<float> extra, Span<float> q)
    {
        var f = spec.FeatureCount;
        if (window.Length != spec.WindowSize)
        {
            throw new ArgumentException($"A window has {spec.WindowSize} floats; got {window.Length}.", nameof(window));
        }

        var steps = new float[spec.WindowLength * StepSize];
        for (var t = 0; t < spec.WindowLength; t++)
        {
            EncodeStep(window.Slice(t * f, f), steps.AsSpan(t * StepSize, StepSize));
        }

        QValues(steps, [], extra, q);
    }

    private ReadOnlySpan<float> RunLstm(ReadOnlySpan<float> earlier, ReadOnlySpan<float> later)
    {
        var h = spec.HiddenSize;
        var size = 4 * h;
        var split = earlier.Length / size;
        Array.Clear(hidden);
        Array.Clear(cell);
        for (var step = 0; step < spec.WindowLength; step++)
        {
            (step < split ? earlier.Slice(step * size, size) : later.Slice((step - split) * size, size)).CopyTo(gates);
            for (var k = 0; k < h; k++)
            {
                TensorPrimitives.MultiplyAdd(hiddenColumns![k], hidden[k], gates, gates);
            }

            var span = gates.AsSpan();
            var input = span.Slice(0, h);
            var forget = span.Slice(h, h);
            var candidate = span.Slice(2 * h, h);
            var output = span.Slice(3 * h, h);
            TensorPrimitives.Sigmoid(input, input);
            TensorPrimitives.Sigmoid(forget, forget);
            TensorPrimitives.Tanh(candidate, candidate);
            TensorPrimitives.Sigmoid(output, output);

            // c = f·c + i·g; h = o·tanh(c)
            TensorPrimitives.Multiply(input, candidate, scratch);
            TensorPrimitives.MultiplyAdd(forget, cell, scratch, cell);
            TensorPrimitives.Tanh(cell, hidden);
            TensorPrimitives.Multiply(output, hidden, hidden);
        }

        return hidden;
    }

    private static Dictionary<string, double[,]> Weights(QNetwork network)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var result = new Dictionary<string, double[,]>(StringComparer.Ordinal);
        foreach (var (name, parameter) in network.named_parameters())
        {
            var t = parameter.detach().to(ScalarType.Float64).contiguous();
            var rows = t.shape.Length == 2 ? (int)t.shape[0] : 1;
            var columns = (int)(t.shape.Length == 2 ? t.shape[1] : t.shape[0]);
            var flat = t.data<double>().ToArray();
            var matrix = new double[rows, columns];
            Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(double));
            result[name] = matrix;
        }

        return result;
    }

    private static double[,] Get(Dictionary<string, double[,]> weights, string name) =>
        weights.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"The network has no parameter '{name}' (has {string.Join(", ", weights.Keys)}).");

    /// <summary>The head as one affine map [actions, inputs] + bias: a dueling head's V + A − mean(A) is linear too.</summary>
    private static (double[,] Weights, double[] Bias) Head(QNetworkSpec spec, Dictionary<string, double[,]> weights)
    {
        var advantage = Get(weights, "head.advantage.weight");
        var advantageBias = Get(weights, "head.advantage.bias");
        var actions = advantage.GetLength(0);
        var inputs = advantage.GetLength(1);
        var w = new double[actions, inputs];
        var b = new double[actions];
        for (var a = 0; a < actions; a++)
        {
            b[a] = advantageBias[0, a];
            for (var i = 0; i < inputs; i++)
            {
                w[a, i] = advantage[a, i];
            }
        }

        if (spec.Dueling)
        {
            var value = Get(weights, "head.value.weight");
            var valueBias = Get(weights, "head.value.bias")[0, 0];
            var meanBias = b.Average();
            for (var i = 0; i < inputs; i++)
            {
                var mean = 0d;
                for (var a = 0; a < actions; a++)
                {
                    mean += advantage[a, i];
                }

                mean /= actions;
                for (var a = 0; a < actions; a++)
                {
                    w[a, i] += value[0, i] - mean;
                }
            }

            for (var a = 0; a < actions; a++)
            {
                b[a] += valueBias - meanBias;
            }
        }

        return (w, b);
    }

    private static QNetworkInference CollapseAffine(QNetworkSpec spec, Dictionary<string, double[,]> weights)
    {
        var (head, headBias) = Head(spec, weights);
        var window = Get(weights, "window.weight");
        var windowBias = Get(weights, "window.bias");
        var extra = spec.ExtraInputs > 0 ? Get(weights, "extraLayer.weight") : null;
        var actions = spec.ActionCount;
        var hiddenSize = spec.HiddenSize;
        var windowWeights = new float[actions][];
        var extraWeights = new float[actions][];
        var bias = new float[actions];
        for (var a = 0; a < actions; a++)
        {
            windowWeights[a] = new float[spec.WindowSize];
            for (var i = 0; i < spec.WindowSize; i++)
            {
                var sum = 0d;
                for (var h = 0; h < hiddenSize; h++)
                {
                    sum += head[a, h] * window[h, i];
                }

                windowWeights[a][i] = (float)sum;
            }

            extraWeights[a] = new float[spec.ExtraInputs];
            for (var e = 0; e < spec.ExtraInputs; e++)
            {
                var sum = 0d;
                for (var h = 0; h < hiddenSize; h++)
                {
                    sum += head[a, h] * extra![h, e];
                }

                extraWeights[a][e] = (float)sum;
            }

            var b = headBias[a];
            for (var h = 0; h < hiddenSize; h++)
            {
                b += head[a, h] * windowBias[0, h];
            }

            bias[a] = (float)b;
        }

        return new QNetworkInference(spec, windowWeights, extraWeights, bias);
    }

    private static QNetworkInference Lstm(QNetworkSpec spec, Dictionary<string, double[,]> weights)
    {
        var inputWeights = Get(weights, "lstm.weight_ih_l0");
        var hiddenWeights = Get(weights, "lstm.weight_hh_l0");
        var inputBias = Get(weights, "lstm.bias_ih_l0");
        var hiddenBias = Get(weights, "lstm.bias_hh_l0");
        var h = spec.HiddenSize;
        var gateCount = 4 * h;
        var inputColumns = Columns(inputWeights, spec.FeatureCount, gateCount);
        var hiddenColumns = Columns(hiddenWeights, h, gateCount);
        var cellBias = new float[gateCount];
        for (var g = 0; g < gateCount; g++)
        {
            cellBias[g] = (float)(inputBias[0, g] + hiddenBias[0, g]);
        }

        var (head, headBias) = Head(spec, weights);
        var actions = spec.ActionCount;
        var headWeights = new float[actions][];
        var extraWeights = new float[actions][];
        var bias = new float[actions];
        for (var a = 0; a < actions; a++)
        {
            headWeights[a] = new float[h];
            for (var i = 0; i < h; i++)
            {
                headWeights[a][i] = (float)head[a, i];
            }

            extraWeights[a] = new float[spec.ExtraInputs];
            for (var e = 0; e < spec.ExtraInputs; e++)
            {
                extraWeights[a][e] = (float)head[a, h + e];
            }

            bias[a] = (float)headBias[a];
        }

        return new QNetworkInference(spec, inputColumns, hiddenColumns, cellBias, headWeights, extraWeights, bias);
    }

    /// <summary>Column k of a [rows, columns] matrix as an array, for each k: the k-th input's contribution to every gate.</summary>
    private static float[][] Columns(double[,] matrix, int columns, int rows)
    {
        if (matrix.GetLength(0) != rows || matrix.GetLength(1) != columns)
        {
            throw new InvalidDataException($"An LSTM weight is {matrix.GetLength(0)}×{matrix.GetLength(1)}; the spec needs {rows}×{columns}.");
        }

        var result = new float[columns][];
        for (var k = 0; k < columns; k++)
        {
            result[k] = new float[rows];
            for (var r = 0; r < rows; r++)
            {
                result[k][r] = (float)matrix[r, k];
            }
        }

        return result;
    }
}
