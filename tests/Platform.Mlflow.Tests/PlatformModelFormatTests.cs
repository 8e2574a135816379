using System.Text.Json;
using Platform.Mlflow.ModelFormat;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Tests;

/// <summary>
/// The Platform model format in MLflow, end to end over the REST API (so it also runs against a real server): log,
/// register, alias challenger, promote to champion, load back from <c>models:/name@champion</c> alone. The DQN
/// checkpoint is stood in for by a byte blob codec.
/// </summary>
[Collection(MlflowServerGroup.Name)]
public sealed class PlatformModelFormatTests(MlflowFixture fixture)
{
    private const string FeatureSpec = """{"features":["log_return_1h","rsi_14","volume_z"],"window":24}""";

    private readonly MlflowClient _client = fixture.Client;
    private readonly PlatformModelFormat _format = new(fixture.Client);

    [Fact]
    public async Task LogRegisterPromote_ChampionAlias_LoadsTheChampionsWeightsAndMetadata()
    {
        var name = MlflowFixture.UniqueName("dqn-btcusdt");
        var first = new StandInCheckpoint([1, 2, 3, 4]);
        var second = new StandInCheckpoint(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        var (v1, _) = await LogAndRegisterAsync(name, first, seed: 1);
        var (v2, metadata2) = await LogAndRegisterAsync(name, second, seed: 2);

        await _client.SetModelAliasAsync(name, "champion", v1.Version);
        await _client.SetModelAliasAsync(name, "challenger", v2.Version);
        var beforePromotion = await _format.LoadAsync($"models:/{name}@{"champion"}", new StandInCodec());
        await _client.SetModelAliasAsync(name, "champion", v2.Version);
        await _client.DeleteModelAliasAsync(name, "challenger");

        var champion = await _format.LoadAsync($"models:/{name}@{"champion"}", new StandInCodec(), PlatformModelMetadata.HashFeatureSpec(FeatureSpec));

        Assert.Equal(first.Blob, beforePromotion.Model.Blob);
        Assert.Equal(second.Blob, champion.Model.Blob);
        Assert.Equal(v2.Version, champion.Version!.Version);
        Assert.Equal(metadata2.Seed, champion.Metadata.Seed);
        Assert.Equal(metadata2.Normalisation, champion.Metadata.Normalisation);
        Assert.Equal(metadata2.Properties, champion.Metadata.Properties);
        Assert.Equal(metadata2 with { Normalisation = champion.Metadata.Normalisation, Properties = champion.Metadata.Properties }, champion.Metadata);
        Assert.Contains(new Tag("platform.network_kind", "lstm"), champion.Version.Tags);
    }

    [Fact]
    public async Task LogModel_WritesAnMlmodelDescriptorWithThePlatformFlavor()
    {
        var run = await NewRunAsync();
        var logged = await _format.LogModelAsync(run, new StandInCheckpoint([9, 9]), Metadata(seed: 3), new StandInCodec());

        var files = await _client.ListArtifactsAsync(run.Info.ArtifactUri, "model");
        using var descriptor = JsonDocument.Parse(await _client.DownloadArtifactBytesAsync(logged.ArtifactUri, "MLmodel"));

        Assert.Equal(["model/MLmodel", "model/platform_model.json", "model/weights.bin"], files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(run.Info.RunId, descriptor.RootElement.GetProperty("run_id").GetString());
        var flavor = descriptor.RootElement.GetProperty("flavors").GetProperty(PlatformModelFormat.FlavorName);
        Assert.Equal(StandInCodec.Format, flavor.GetProperty("weights_format").GetString());
        Assert.Equal(2, flavor.GetProperty("weights_size").GetInt64());
        Assert.Equal(ArtifactLocation.Combine(run.Info.ArtifactUri, "model"), logged.ArtifactUri);
    }

    [Fact]
    public async Task Load_RunsUri_LoadsWithoutTheRegistry()
    {
        var run = await NewRunAsync();
        await _format.LogModelAsync(run, new StandInCheckpoint([5, 6, 7]), Metadata(seed: 4), new StandInCodec());

        var loaded = await _format.LoadAsync($"runs:/{run.Info.RunId}/model", new StandInCodec());

        Assert.Equal(new byte[] { 5, 6, 7 }, loaded.Model.Blob);
        Assert.Null(loaded.Version);
    }

    [Fact]
    public async Task Load_WeightsReplacedAfterLogging_ThrowsCorrupt()
    {
        var run = await NewRunAsync();
        var logged = await _format.LogModelAsync(run, new StandInCheckpoint([1, 2, 3]), Metadata(seed: 5), new StandInCodec());
        await _client.UploadArtifactBytesAsync(logged.ArtifactUri, PlatformModelFormat.WeightsFileName, new byte[] { 1, 2, 4 });

        var error = await Assert.ThrowsAsync<PlatformModelFormatException>(() => _format.LoadAsync(logged.ArtifactUri, new StandInCodec()));

        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_OtherFeatureSpec_ThrowsMismatch()
    {
        var run = await NewRunAsync();
        var logged = await _format.LogModelAsync(run, new StandInCheckpoint([1]), Metadata(seed: 6), new StandInCodec());

        await Assert.ThrowsAsync<PlatformModelFormatException>(() => _format.LoadAsync(logged.ArtifactUri, new StandInCodec(), PlatformModelMetadata.HashFeatureSpec("other features")));
    }

    [Fact]
    public async Task Load_CodecOfAnotherWeightsFormat_Throws()
    {
        var run = await NewRunAsync();
        var logged = await _format.LogModelAsync(run, new StandInCheckpoint([1]), Metadata(seed: 7), new StandInCodec());

        await Assert.ThrowsAsync<PlatformModelFormatException>(() => _format.LoadAsync(logged.ArtifactUri, new StandInCodec("torchsharp-state-dict/1")));
    }

    [Fact]
    public async Task Load_FolderWithoutDescriptor_ThrowsNotAPlatformModel()
    {
        var run = await NewRunAsync();
        await _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, "model/weights.bin", new byte[] { 1 });

        await Assert.ThrowsAsync<PlatformModelFormatException>(() => _format.LoadAsync($"runs:/{run.Info.RunId}/model", new StandInCodec()));
    }

    [Fact]
    public async Task LogModel_FeatureHashNotMatchingTheSpec_ThrowsBeforeUploading()
    {
        var run = await NewRunAsync();
        var metadata = Metadata(seed: 8) with { FeatureSpecHash = new string('0', 64) };

        await Assert.ThrowsAsync<PlatformModelFormatException>(() => _format.LogModelAsync(run, new StandInCheckpoint([1]), metadata, new StandInCodec()));
        Assert.Empty(await _client.ListArtifactsAsync(run.Info.ArtifactUri));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(double.NaN, 1.0)]
    public void Validate_BadNormalisation_Throws(double mean, double stdDev)
    {
        var metadata = Metadata(seed: 1) with { Normalisation = [new FeatureNormalisation("rsi_14", mean, stdDev)] };
        Assert.Throws<PlatformModelFormatException>(metadata.Validate);
    }

    private async Task<(ModelVersion Version, PlatformModelMetadata Metadata)> LogAndRegisterAsync(string name, StandInCheckpoint checkpoint, long seed)
    {
        var run = await NewRunAsync();
        var metadata = Metadata(seed);
        var logged = await _format.LogModelAsync(run, checkpoint, metadata, new StandInCodec());
        return (await _format.RegisterAsync(name, logged, metadata), metadata);
    }

    private async Task<Run> NewRunAsync()
    {
        var experiment = await _client.GetOrCreateExperimentAsync(MlflowFixture.UniqueName("models"));
        return await _client.CreateRunAsync(experiment.ExperimentId);
    }

    private static PlatformModelMetadata Metadata(long seed) => new()
    {
        NetworkKind = "lstm",
        FeatureSpec = FeatureSpec,
        FeatureSpecHash = PlatformModelMetadata.HashFeatureSpec(FeatureSpec),
        Normalisation = [new FeatureNormalisation("log_return_1h", 0.0001, 0.012), new FeatureNormalisation("rsi_14", 50, 15), new FeatureNormalisation("volume_z", 0, 1)],
        DataHash = "sha256:8d3f00aa",
        Seed = seed,
        CodeVersion = "97ad6c9",
        Properties = new Dictionary<string, string> { ["actions"] = "hold,buy,sell" },
    };

    /// <summary>Stand-in for the DQN checkpoint until it exists: the weights are an opaque byte blob.</summary>
    private sealed record StandInCheckpoint(byte[] Blob);

    private sealed class StandInCodec(string weightsFormat = StandInCodec.Format) : IModelCheckpointCodec<StandInCheckpoint>
    {
        public const string Format = "stand-in-blob/1";

        public string WeightsFormat => weightsFormat;

        public Task WriteWeightsAsync(StandInCheckpoint model, Stream destination, CancellationToken cancellationToken) =>
            destination.WriteAsync(model.Blob, cancellationToken).AsTask();

        public async Task<StandInCheckpoint> ReadAsync(PlatformModelMetadata metadata, Stream weights, CancellationToken cancellationToken)
        {
            using var buffer = new MemoryStream();
            await weights.CopyToAsync(buffer, cancellationToken);
            return new StandInCheckpoint(buffer.ToArray());
        }
    }
}
