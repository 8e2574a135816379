using Platform.Domain;
using Platform.Learning.Agents;
using Platform.Learning.Networks;

namespace Platform.Learning.Tests;

public sealed class DqnModelTests : IDisposable
{
    private static readonly ToyMarket Market = new(400);
    private readonly string directory = Directory.CreateTempSubdirectory("platform-learning-").FullName;

    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public void SaveLoad_RoundTrip_SameWeightsMetadataAndDecisions(QNetworkKind kind)
    {
        using var untrained = Market.UntrainedModel(kind);
        var model = new DqnModel(untrained.Network, untrained.Metadata with
        {
            TrainRange = ToyMarket.Hours(0, 200),
            ValidationRange = ToyMarket.Hours(200, 300),
            SelectedEpoch = 3,
            ValidationScore = 1.25,
        });
        var path = Path.Combine(directory, "model.dqn");

        model.Save(path);
        using var loaded = DqnModel.Load(path);

        Assert.Equal(model.Network.FlattenWeights(), loaded.Network.FlattenWeights());
        Assert.Equal(model.Metadata.Network, loaded.Metadata.Network);
        Assert.Equal(model.Metadata.Dqn with { Network = null! }, loaded.Metadata.Dqn with { Network = null! });
        Assert.Equal(model.Metadata.Normalization.Mean, loaded.Metadata.Normalization.Mean);
        Assert.Equal(model.Metadata.Normalization.StdDev, loaded.Metadata.Normalization.StdDev);
        Assert.Equal(model.Metadata.FeatureSpecHash, loaded.FeatureSpec.ContentHash);
        Assert.Equal(model.Metadata.TrainRange, loaded.Metadata.TrainRange);
        Assert.Equal(model.Metadata.ValidationRange, loaded.Metadata.ValidationRange);
        Assert.Equal(model.Metadata.DataHash, loaded.Metadata.DataHash);
        Assert.Equal(model.Metadata.Seed, loaded.Metadata.Seed);
        Assert.Equal(model.Metadata.CodeVersion, loaded.Metadata.CodeVersion);
        Assert.Equal(3, loaded.Metadata.SelectedEpoch);
        Assert.Equal(1.25, loaded.Metadata.ValidationScore);
        var range = ToyMarket.Hours(100, 300);
        var before = DqnTrader.TradeGreedy(model, Market.Frame, Market.Features, ToyMarket.Trading, range, "m");
        var after = DqnTrader.TradeGreedy(loaded, Market.Frame, Market.Features, ToyMarket.Trading, range, "m");
        Assert.Equal(before.Metrics, after.Metrics);
        Assert.Equal(before.Trades, after.Trades);
    }

    [Fact]
    public void Load_NotACheckpoint_ThrowsInvalidData()
    {
        var path = Path.Combine(directory, "garbage.dqn");
        File.WriteAllText(path, "not a zip");

        Assert.Throws<InvalidDataException>(() => DqnModel.Load(path));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => DqnModel.Load(Path.Combine(directory, "absent.dqn")));
    }

    [Fact]
    public void StatesFor_FeaturesOfAnotherSpec_ThrowsNamingBoth()
    {
        using var model = Market.UntrainedModel(QNetworkKind.Linear);
        var otherSpec = ToyMarket.Spec with { Name = "other" };
        var other = Platform.Domain.Features.FeatureBuilder.Build(otherSpec, Market.Frame);

        var error = Assert.Throws<InvalidRequestException>(() => model.StatesFor(other));

        Assert.Contains("other", error.Message, StringComparison.Ordinal);
        Assert.Contains("toy", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
