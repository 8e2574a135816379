using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>
/// The paper's Linear Q-network, linear layers only and no activation: hidden = W·flatten(window) + U·extra + b, then
/// the head. With extra inputs this equals one Linear over [window, extra]; it is split so windows can be encoded once.
/// </summary>
public sealed class LinearQNetwork : QNetwork
{
    private readonly Linear window;
    private readonly Linear? extraLayer;
    private readonly QHead head;

    internal LinearQNetwork(QNetworkSpec spec)
        : base(nameof(LinearQNetwork), spec)
    {
        window = nn.Linear(spec.WindowSize, spec.HiddenSize);
        extraLayer = spec.ExtraInputs > 0 ? nn.Linear(spec.ExtraInputs, spec.HiddenSize, hasBias: false) : null;
        head = new QHead(spec.HiddenSize, spec.ActionCount, spec.Dueling);
        RegisterComponents();
    }

    /// <summary>Linear layers only (the dueling head's mean subtraction is linear too).</summary>
    public override bool IsAffine => true;

    /// <summary>Flat states go straight into the first layer: no window reshape, one dispose scope (inference latency).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = extraLayer is null
            ? window.forward(input)
            : window.forward(input.narrow(1, 0, Spec.WindowSize)) + extraLayer.forward(input.narrow(1, Spec.WindowSize, Spec.ExtraInputs));
        return head.forward(hidden).MoveToOuterDisposeScope();
    }

    public override Tensor Encode(Tensor windows)
    {
        using var scope = torch.NewDisposeScope();
        return window.forward(windows.reshape(windows.shape[0], Spec.WindowSize)).MoveToOuterDisposeScope();
    }

    public override Tensor Decode(Tensor encoded, Tensor? extra)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = extraLayer is null || extra is null ? encoded : encoded + extraLayer.forward(extra);
        return head.forward(hidden).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            window.Dispose();
            extraLayer?.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
