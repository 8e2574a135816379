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

    /// <summary>Flat states → windows → LSTM → head in one dispose scope (inference latency).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var batch = input.shape[0];
        var flatWindows = Spec.ExtraInputs > 0 ? input.narrow(1, 0, Spec.WindowSize) : input;
        var (output, _, _) = lstm.forward(flatWindows.reshape(batch, Spec.WindowLength, Spec.FeatureCount));
        var last = output.select(1, -1);
        var headInput = Spec.ExtraInputs > 0 ? torch.cat([last, input.narrow(1, Spec.WindowSize, Spec.ExtraInputs)], 1) : last;
        return head.forward(headInput).MoveToOuterDisposeScope();
    }

    public override Tensor Encode(Tensor windows)
    {
        using var scope = torch.NewDisposeScope();
        var (output, _, _) = lstm.forward(windows.contiguous());
        return output.select(1, -1).MoveToOuterDisposeScope();
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
