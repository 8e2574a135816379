using Platform.Domain;
using Platform.Learning.Networks;
using TorchSharp;

namespace Platform.Learning.Tests;

public class QNetworkTests
{
    private static QNetworkSpec Spec(QNetworkKind kind, int extra = 1, bool dueling = false) =>
        new() { Kind = kind, WindowLength = 5, FeatureCount = 3, HiddenSize = 6, ExtraInputs = extra, Dueling = dueling };

    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public void EncodeSlidingWindows_Sequence_MatchesEncodingEachWindow(QNetworkKind kind)
    {
        using var network = QNetwork.Create(Spec(kind), 4);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.random.manual_seed(8);
        var sequence = torch.randn(20, 3);

        var slid = network.EncodeSlidingWindows(sequence);

        Assert.Equal(new long[] { 16, 6 }, slid.shape);
        for (var end = 4; end < 20; end++)
        {
            var single = network.Encode(sequence.narrow(0, end - 4, 5).unsqueeze(0));
            Assert.True(torch.allclose(slid.narrow(0, end - 4, 1), single, rtol: 1e-5, atol: 1e-6), $"window ending at {end}");
        }
    }

    [Theory]
    [InlineData(QNetworkKind.Linear, false)]
    [InlineData(QNetworkKind.Linear, true)]
    [InlineData(QNetworkKind.Lstm, false)]
    [InlineData(QNetworkKind.Lstm, true)]
    public void Forward_FlatStates_EqualsDecodeOfEncodedWindowAndExtraInputs(QNetworkKind kind, bool dueling)
    {
        var spec = Spec(kind, extra: 2, dueling);
        using var network = QNetwork.Create(spec, 5);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.random.manual_seed(9);
        var states = torch.randn(7, spec.StateSize);

        var direct = network.forward(states);
        var split = network.Decode(network.Encode(states.narrow(1, 0, 15).reshape(7, 5, 3)), states.narrow(1, 15, 2));

        Assert.Equal(new long[] { 7, 3 }, direct.shape);
        Assert.True(torch.allclose(direct, split, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Create_SameSeed_SameWeights()
    {
        using var first = QNetwork.Create(Spec(QNetworkKind.Lstm), 77);
        using var second = QNetwork.Create(Spec(QNetworkKind.Lstm), 77);
        using var other = QNetwork.Create(Spec(QNetworkKind.Lstm), 78);

        Assert.Equal(first.FlattenWeights(), second.FlattenWeights());
        Assert.NotEqual(first.FlattenWeights(), other.FlattenWeights());
    }

    [Fact]
    public void Create_InvalidSpec_ThrowsWithEveryProblem()
    {
        var error = Assert.Throws<InvalidRequestException>(() => QNetwork.Create(new QNetworkSpec { WindowLength = 0, HiddenSize = 0 }, 1));

        Assert.Contains("window length", error.Message, StringComparison.Ordinal);
        Assert.Contains("hidden size", error.Message, StringComparison.Ordinal);
    }
}
