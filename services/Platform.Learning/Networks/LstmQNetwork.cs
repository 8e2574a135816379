using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>The paper's LSTM Q-network: LSTM(features → hidden, batch first) over the window; [last hidden state, extra] → head.</summary>
public sealed class LstmQNetwork : QNetwork
{
    private readonly LSTM lstm;
    private readonly QHead head;

    internal LstmQNetwork(QNetworkSpec spec)
        : base(nameof(LstmQNetwork), spec)
    {
        lstm = nn.LSTM(spec.FeatureCount, spec.HiddenSize, batchFirst: true);
        head = new QHead(spec.HiddenSize + spec.ExtraInputs, spec.ActionCount, spec.Dueling);
        RegisterComponents();
    }

    public override Tensor Encode(Tensor windows)
    {
        using var scope = torch.NewDisposeScope();
        var (output, _, _) = lstm.forward(windows.contiguous());
        return output.select(1, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same LSTM as <see cref="Encode"/>, written out step by step so that the input projection
    /// x·W_ihᵀ + b_ih + b_hh is computed once per step of the sequence instead of once per window that contains it
    /// (every step lies in <c>window</c> windows). Gate order i, f, g, o as in torch.
    /// </summary>
    public override Tensor EncodeSlidingWindows(Tensor sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        using var scope = torch.NewDisposeScope();
        var weights = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var hiddenSize = Spec.HiddenSize;
        var windows = sequence.shape[0] - Spec.WindowLength + 1;
        var projected = torch.addmm(weights["bias_ih_l0"] + weights["bias_hh_l0"], sequence, weights["weight_ih_l0"].t(), 1, 1);
        var recurrent = weights["weight_hh_l0"].t();
        Tensor? h = null;
        Tensor? c = null;
        for (var step = 0; step < Spec.WindowLength; step++)
        {
            var gates = projected.narrow(0, step, windows);
            if (h is not null)
            {
                gates = torch.addmm(gates, h, recurrent, 1, 1);
            }

            var input = gates.narrow(1, 0, hiddenSize).sigmoid();
            var forget = gates.narrow(1, hiddenSize, hiddenSize).sigmoid();
            var cell = gates.narrow(1, 2 * hiddenSize, hiddenSize).tanh();
            var output = gates.narrow(1, 3 * hiddenSize, hiddenSize).sigmoid();
            c = c is null ? input * cell : (forget * c) + (input * cell);
            h = output * c.tanh();
        }

        return h!.MoveToOuterDisposeScope();
    }

    public override Tensor Decode(Tensor encoded, Tensor? extra)
    {
        using var scope = torch.NewDisposeScope();
        var input = extra is null ? encoded : torch.cat([encoded, extra], 1);
        return head.forward(input).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lstm.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
