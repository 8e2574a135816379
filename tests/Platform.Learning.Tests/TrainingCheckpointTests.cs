using Platform.Learning.Agents;
using Platform.Learning.Networks;

namespace Platform.Learning.Tests;

public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-ckpt-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Train_ResumedFromCheckpoint_ContinuesAfterLastCompletedEpoch()
    {
        var market = new ToyMarket();
        var checkpoint = new TrainingCheckpoint(Path.Combine(directory, "run.ckpt"));
        var two = ToyMarket.AgentOptions(QNetworkKind.Linear) with { MaxEpochs = 2, Patience = 10 };
        var first = DqnTrainer.Train(market.TrainingData, ToyMarket.Hours(0, 300), ToyMarket.Hours(300, 400), two, "toy", checkpoint: checkpoint);
        first.Model.Dispose();
        Assert.True(checkpoint.Exists);

        var resumed = DqnTrainer.Train(market.TrainingData, ToyMarket.Hours(0, 300), ToyMarket.Hours(300, 400), two with { MaxEpochs = 3 }, "toy", checkpoint: checkpoint);

        Assert.Equal([1, 2, 3], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(0, first.ResumedAfterEpoch);
        Assert.Equal(2, resumed.ResumedAfterEpoch);
        Assert.Equal(first.Epochs, resumed.Epochs.Take(2));
        Assert.True(resumed.Epochs[2].Steps > first.Epochs[1].Steps);
        resumed.Model.Dispose();
    }

    [Fact]
    public void TryRestore_NetworkOfAnotherShape_ThrowsClearError()
    {
        var market = new ToyMarket();
        var checkpoint = new TrainingCheckpoint(Path.Combine(directory, "shape.ckpt"));
        var options = ToyMarket.AgentOptions(QNetworkKind.Linear) with { MaxEpochs = 1 };
        DqnTrainer.Train(market.TrainingData, ToyMarket.Hours(0, 200), ToyMarket.Hours(200, 300), options, "toy", checkpoint: checkpoint).Model.Dispose();

        var e = Assert.Throws<InvalidDataException>(() => DqnTrainer.Train(market.TrainingData, ToyMarket.Hours(0, 200), ToyMarket.Hours(200, 300), options with { HiddenSize = options.HiddenSize + 3 }, "toy", checkpoint: checkpoint));

        Assert.Contains("different network", e.Message, StringComparison.Ordinal);
    }
}
