using Platform.Learning.Training;
using TorchSharp;

namespace Platform.Learning.Tests;

public class DqnLossTests
{
    [Fact]
    public void Huber_MixedSmallAndLargeErrors_MatchesHandComputation()
    {
        // δ = predicted − target = 0.5, −2, 3, 0 with κ = 1:
        // 0.5·0.5² = 0.125; 1·(2 − 0.5) = 1.5; 1·(3 − 0.5) = 2.5; 0 → mean = 4.125 / 4 = 1.03125.
        using var predicted = torch.tensor(new float[] { 1.5f, 0f, 4f, 7f });
        using var target = torch.tensor(new float[] { 1f, 2f, 1f, 7f });

        using var loss = DqnLoss.Huber(predicted, target, 1.0);

        Assert.Equal(1.03125f, loss.item<float>(), 6);
    }

    [Fact]
    public void Huber_DeltaTwo_SwitchesToLinearAboveDelta()
    {
        // κ = 2: δ = 1 → ½ = 0.5; δ = 5 → 2·(5 − 1) = 8 → mean 4.25.
        using var predicted = torch.tensor(new float[] { 1f, 5f });
        using var target = torch.tensor(new float[] { 0f, 0f });

        using var loss = DqnLoss.Huber(predicted, target, 2.0);

        Assert.Equal(4.25f, loss.item<float>(), 6);
    }
}
