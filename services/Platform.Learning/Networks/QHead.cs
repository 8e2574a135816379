using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>The output layer: a plain linear map to Q-values, or a linear dueling head (Q = V + A − mean(A)).</summary>
internal sealed class QHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear advantage;
    private readonly Linear? value;

    public QHead(int inputSize, int actionCount, bool dueling)
        : base(nameof(QHead))
    {
        advantage = nn.Linear(inputSize, actionCount);
        value = dueling ? nn.Linear(inputSize, 1) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (value is null)
        {
            return advantage.forward(input);
        }

        using var scope = torch.NewDisposeScope();
        var a = advantage.forward(input);
        var q = value.forward(input) + a - a.mean([1L], keepdim: true);
        return q.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            advantage.Dispose();
            value?.Dispose();
        }

        base.Dispose(disposing);
    }
}
