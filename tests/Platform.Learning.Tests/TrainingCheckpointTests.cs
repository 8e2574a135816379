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

    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public void Train_KilledMidEpochThenResumed_BitIdenticalToUninterrupted(QNetworkKind kind)
    {
        var market = new ToyMarket();
        var options = ToyMarket.AgentOptions(kind) with { MaxEpochs = 3, Patience = 10 };
        var (train, validate) = (ToyMarket.Hours(0, 300), ToyMarket.Hours(300, 350));
        var uninterrupted = DqnTrainer.Train(market.TrainingData, train, validate, options, "toy");
        var checkpoint = new TrainingCheckpoint(Path.Combine(directory, $"kill-{kind}.ckpt"));
        using var kill = new CancellationTokenSource();

        // The "worker" dies during epoch 2 (at step 512), after epoch 1's checkpoint: the replay, the optimiser and both generators have moved on.
        Assert.ThrowsAny<OperationCanceledException>(() => DqnTrainer.Train(
            market.TrainingData, train, validate, options, "toy", p =>
            {
                if (p.Epoch == 2 && p.Steps < p.PlannedSteps)
                {
                    kill.Cancel();
                }
            },
            checkpoint,
            kill.Token));
        var resumed = DqnTrainer.Train(market.TrainingData, train, validate, options, "toy", checkpoint: checkpoint);

        Assert.Equal(1, resumed.ResumedAfterEpoch);
        Assert.Equal(uninterrupted.Epochs, resumed.Epochs);
        Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);
        Assert.Equal(WeightBytes(uninterrupted.Model), WeightBytes(resumed.Model));
        Assert.Equal(uninterrupted.Model.Metadata.ValidationScore, resumed.Model.Metadata.ValidationScore);
        Assert.Equal(uninterrupted.Model.Metadata.Normalization.Mean, resumed.Model.Metadata.Normalization.Mean);
        uninterrupted.Model.Dispose();
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

    private static byte[] WeightBytes(DqnModel model)
    {
        var buffer = new MemoryStream();
        model.Network.save(buffer);
        return buffer.ToArray();
    }
}
