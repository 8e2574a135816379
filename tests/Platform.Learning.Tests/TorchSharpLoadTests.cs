using TorchSharp;

namespace Platform.Learning.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void MatrixMultiply_SmallTensors_ComputesProduct()
    {
        using var left = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var right = torch.tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        using var product = torch.matmul(left, right);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }
}
