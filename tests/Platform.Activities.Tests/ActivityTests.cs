using Platform.Domain.MarketData;
using Platform.Domain.Promotion;
using Platform.Mlflow.ModelFormat;
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
    public async Task TrainModel_RangeWithoutStoredData_FailsNonRetryableAsInvalidRequest()
    {
        var activities = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);
        var far = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = Input("linear", "no-data") with { TrainFrom = far, TrainTo = far.AddMonths(1), ValidateFrom = far.AddMonths(1), ValidateTo = far.AddMonths(2) };

        var e = await Assert.ThrowsAsync<ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.TrainModelAsync(input)));

        Assert.True(e.NonRetryable);
        Assert.Equal(Platform.Domain.InvalidRequestException.ErrorType, e.ErrorType);
        Assert.Contains("run the backfill first", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainModel_NullInput_IsABugAndStaysRetryable()
    {
        var activities = new TrainingActivities(fixture.Store, fixture.Mlflow, fixture.Paths);

        // Not an invalid request: an ArgumentNullException is a programming error and must not become a non-retryable user failure.
        await Assert.ThrowsAsync<ArgumentNullException>(() => new ActivityEnvironment().RunAsync(() => activities.TrainModelAsync(null!)));
    }

    [Fact]
    public async Task BackfillChunk_TruncatedGzipSource_FailsNonRetryableNamingTheFile()
    {
        var source = Directory.CreateTempSubdirectory("platform-truncated-").FullName;
        try
        {
            var bundled = await File.ReadAllBytesAsync(Path.Combine(Platform.MarketData.MarketDataLoader.BundledDirectory, "XRPUSDT.csv.gz"));
            await File.WriteAllBytesAsync(Path.Combine(source, "XRPUSDT.csv.gz"), bundled[..(bundled.Length / 2)]);
            var activities = new MarketDataActivities(new InMemoryMarketDataStore(), new PlatformDataOptions());
            var chunk = new BackfillChunk("XRPUSDT", "1h", new(2022, 2, 1, 0, 0, 0, TimeSpan.Zero), new(2022, 3, 1, 0, 0, 0, TimeSpan.Zero));

            var e = await Assert.ThrowsAsync<ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.BackfillChunkAsync(new BackfillChunkInput(chunk, source))));

            Assert.True(e.NonRetryable);
            Assert.Contains("XRPUSDT.csv.gz: truncated or corrupt gzip file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
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
