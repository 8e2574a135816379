using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Domain.Promotion;
using Platform.Mlflow.ModelFormat;
using Platform.Models;
using Platform.Storage;
using Platform.TestSupport;
using Platform.Workflows;
using Temporalio.Exceptions;
using Temporalio.Testing;

namespace Platform.Activities.Tests;

[Collection(LifecycleGroup.Name)]
public sealed class ActivityTests(LifecycleFixture fixture)
{
    private static readonly DateTimeOffset Oct = new(2022, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static TrainModelInput Input(string kind, string model) => new(
        model, kind, "activity-tests", "BTCUSDT", Oct.AddDays(7), Oct.AddMonths(1), Oct.AddMonths(1), Oct.AddMonths(1).AddDays(15), 0.001m,
        new TrainingHyperparameters(MaxEpochs: 1, Patience: 1, HiddenSize: 8, Seed: 3));

    [Fact]
    public async Task BackfillChunk_BundledMonth_InsertsThenIsIdempotent()
    {
        var store = new InMemoryMarketDataStore();
        var activities = new MarketDataActivities(store, new PlatformDataOptions());
        var env = new ActivityEnvironment();
        var chunk = new BackfillChunk("XRPUSDT", "1h", new(2022, 2, 1, 0, 0, 0, TimeSpan.Zero), new(2022, 3, 1, 0, 0, 0, TimeSpan.Zero));

        var first = await env.RunAsync(() => activities.BackfillChunkAsync(new BackfillChunkInput(chunk, null)));
        var second = await env.RunAsync(() => activities.BackfillChunkAsync(new BackfillChunkInput(chunk, null)));

        Assert.Equal(28 * 24, first.Inserted);
        Assert.Equal(0, second.Inserted + second.Updated);
    }

    [Fact]
    public async Task TrainModel_Linear_TracksRunAndRegistersLoadableVersion()
    {
        var heartbeats = new List<object?>();
        var env = new ActivityEnvironment { Heartbeater = details => heartbeats.AddRange(details) };
        var activities = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);

        var result = await env.RunAsync(() => activities.TrainModelAsync(Input("linear", "btc-linear-test")));

        Assert.Equal("1", result.Version);
        Assert.Equal(1, result.Epochs);
        Assert.NotEmpty(heartbeats);
        var run = await fixture.Mlflow.GetRunAsync(result.RunId);
        Assert.Equal(Platform.Mlflow.Protocol.RunStatus.Finished, run.Info.Status);
        Assert.Contains(run.Data.Params, p => p.Key == "network_kind" && p.Value == "linear");
        Assert.Contains(run.Data.Metrics, m => m.Key == "validation_score");
        var loaded = await new PlatformModelFormat(fixture.Mlflow).LoadAsync($"models:/btc-linear-test/{result.Version}", new DqnCheckpointCodec());
        using var model = loaded.Model;
        Assert.Equal(Platform.Domain.Features.FeatureSpec.PaperDefault.ContentHash, model.Metadata.FeatureSpecHash);
    }

    [Fact]
    public async Task TrainModel_UnknownKind_FailsNonRetryable()
    {
        var activities = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);

        var e = await Assert.ThrowsAsync<ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.TrainModelAsync(Input("transformer", "x"))));

        Assert.True(e.NonRetryable);
    }

    [Fact]
    public async Task Registry_AliasMissingThenSet_ReturnsNullThenVersion()
    {
        var training = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);
        var registry = new RegistryActivities(fixture.Mlflow);
        var env = new ActivityEnvironment();
        var trained = await env.RunAsync(() => training.TrainModelAsync(Input("linear", "btc-alias-test")));

        Assert.Null(await env.RunAsync(() => registry.GetAliasAsync(new GetAliasInput("btc-alias-test", "champion"))));
        await env.RunAsync(() => registry.SetAliasAsync(new SetAliasInput("btc-alias-test", "champion", trained.Version)));
        Assert.Equal(trained.Version, await env.RunAsync(() => registry.GetAliasAsync(new GetAliasInput("btc-alias-test", "champion"))));
    }

    [Fact]
    public async Task ModelLoader_ChampionAliasAndSavedFile_LoadTheSameModelWithSpecTradingAndVersion()
    {
        var training = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);
        var env = new ActivityEnvironment();
        var trained = await env.RunAsync(() => training.TrainModelAsync(Input("linear", "btc-loader-test")));
        await env.RunAsync(() => new RegistryActivities(fixture.Mlflow).SetAliasAsync(new SetAliasInput("btc-loader-test", ModelAliases.Champion, trained.Version)));
        IModelLoader loader = new DqnModelLoader(fixture.Mlflow);

        using var champion = await loader.LoadAsync(ModelReference.Parse("models:/btc-loader-test@champion"));
        var file = Path.Combine(Path.GetTempPath(), $"loader-{Guid.NewGuid():N}.dqn");
        ((LoadedDqnModel)champion).Model.Save(file);
        using var saved = await loader.LoadAsync(ModelReference.Parse(file));
        File.Delete(file);

        Assert.Equal(new ModelIdentity("btc-loader-test", trained.Version, trained.RunId, "models:/btc-loader-test@champion"), champion.Identity);
        Assert.Equal(Platform.Domain.Features.FeatureSpec.PaperDefault.ContentHash, champion.FeatureSpec.ContentHash);
        Assert.Equal(0.001m, champion.Trading.FeeRate);
        Assert.Equal(champion.Trading, saved.Trading);
        Assert.Equal(champion.Normalization.Mean, saved.Normalization.Mean);
        Assert.Null(saved.Identity.Version);
        await Assert.ThrowsAsync<ArgumentException>(() => loader.LoadAsync(ModelReference.Parse("models:/btc-loader-test@nobody")));
        await Assert.ThrowsAsync<ArgumentException>(() => loader.LoadAsync(ModelReference.Parse("/nonexistent/model.dqn")));
    }

    [Fact]
    public async Task EvaluateGate_TwoVersions_RecordsEveryCheck()
    {
        var training = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);
        var promotion = new PromotionActivities(fixture.Store, fixture.Mlflow, fixture.Audit);
        var env = new ActivityEnvironment();
        var linear = await env.RunAsync(() => training.TrainModelAsync(Input("linear", "btc-gate-test")));
        var lstm = await env.RunAsync(() => training.TrainModelAsync(Input("lstm", "btc-gate-test")));

        var gate = await env.RunAsync(() => promotion.EvaluateGateAsync(new EvaluateGateInput(
            "btc-gate-test", lstm.Version, linear.Version, [linear.Version, lstm.Version], "BTCUSDT", Oct.AddMonths(2), Oct.AddMonths(3), 0.001m, new PromotionThresholds())));

        Assert.Equal(4, gate.Decision.Checks.Count);
        Assert.Equal(lstm.Version, gate.Challenger.Version);
        Assert.Equal(linear.Version, gate.Champion!.Version);
    }

    [Fact]
    public async Task RecordAudit_SameWorkflowAndActionTwice_WrittenOnce()
    {
        var promotion = new PromotionActivities(fixture.Store, fixture.Mlflow, fixture.Audit);
        var entry = new AuditEntry(Oct, "wf-audit", "promoted", "m", "3", "alice", "better Sharpe", new Dictionary<string, string>());
        var env = new ActivityEnvironment();

        await env.RunAsync(() => promotion.RecordAuditAsync(entry));
        await env.RunAsync(() => promotion.RecordAuditAsync(entry));

        Assert.Single(await fixture.Audit.ReadAsync(), e => e.WorkflowId == "wf-audit");
    }
}

[CollectionDefinition(Name)]
public sealed class LifecycleGroup : ICollectionFixture<LifecycleFixture>
{
    public const string Name = "lifecycle";
}
