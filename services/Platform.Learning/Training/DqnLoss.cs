using static TorchSharp.torch;

namespace Platform.Learning.Training;

/// <summary>The paper's loss: Huber of the TD error δ = Q(s,a) − y, averaged over the batch.</summary>
public static class DqnLoss
{
    /// <summary>mean over i of (½δᵢ² if |δᵢ| ≤ κ, else κ(|δᵢ| − ½κ)).</summary>
    public static Tensor Huber(Tensor predicted, Tensor target, double delta) =>
        nn.functional.huber_loss(predicted, target, delta, nn.Reduction.Mean);
}
