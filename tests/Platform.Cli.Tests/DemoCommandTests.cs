using Platform.Activities;
using Platform.Mlflow;
using Platform.Mlflow.Server;

namespace Platform.Cli.Tests;

/// <summary>The README's main job, end to end: embedded Temporal + MLflow, bundled data, the whole lifecycle.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task Demo_FreshState_LeavesChampionRunsWithMetricsAndArtifactsAndAudit()
    {
        var state = context.PathOf("state");

        var exit = await CliTestContext.RunAsync("demo", "--data-dir", state, "--out", context.PathOf("out"));

        Assert.Equal(0, exit);
        Assert.Contains("Promoted", await File.ReadAllTextAsync(context.PathOf("out", "demo.md")), StringComparison.Ordinal);
        var audit = await new JsonLinesAuditLog(Path.Combine(state, "audit.jsonl")).ReadAsync();
        Assert.Contains(audit, e => e.Action == "promoted" && e.Actor == "demo-approver");

        // The embedded MLflow store outlives the demo: reopen it and look.
        await using var server = await MlflowLocalServer.StartAsync(new MlflowServerOptions { Port = 0, StoreDirectory = Path.Combine(state, "mlflow") });
        using var mlflow = MlflowClient.Create(new MlflowClientOptions { TrackingUri = server.BaseAddress });
        var champion = await mlflow.GetModelVersionByAliasAsync("btcusdt-dqn", "champion");
        var run = await mlflow.GetRunAsync(champion.RunId!);
        Assert.Contains(run.Data.Metrics, m => m.Key == "validation_score");
        var artifacts = await mlflow.ListArtifactsAsync(run.Info.ArtifactUri, "model");
        Assert.Contains(artifacts, a => a.Path.EndsWith("weights.bin", StringComparison.Ordinal));
    }
}
