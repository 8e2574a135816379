using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>The paper's Linear Q-network: flatten → Linear(window·features → hidden) → head. No activation anywhere.</summary>
public sealed class LinearQNetwork : QNetwork
{
    private readonly Linear hidden;
    private readonly QHead head;

    internal LinearQNetwork(QNetworkSpec spec)
        : base(nameof(LinearQNetwork), spec)
    {
        hidden = nn.Linear(spec.StateSize, spec.HiddenSize);
        head = new QHead(spec.HiddenSize, spec.ActionCount, spec.Dueling);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var flat = input.reshape(input.shape[0], Spec.StateSize);
        return head.forward(hidden.forward(flat)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hidden.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
