using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>The paper's LSTM Q-network: LSTM(features → hidden, batch first) over the window, last step → head.</summary>
public sealed class LstmQNetwork : QNetwork
{
    private readonly LSTM lstm;
    private readonly QHead head;

    internal LstmQNetwork(QNetworkSpec spec)
        : base(nameof(LstmQNetwork), spec)
    {
        lstm = nn.LSTM(spec.FeatureCount, spec.HiddenSize, batchFirst: true);
        head = new QHead(spec.HiddenSize, spec.ActionCount, spec.Dueling);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var (output, _, _) = lstm.forward(input);
        var last = output.select(1, -1);
        return head.forward(last).MoveToOuterDisposeScope();
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
