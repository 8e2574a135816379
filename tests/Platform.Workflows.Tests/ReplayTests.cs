namespace Platform.Workflows.Tests;

/// <summary>Histories recorded from real runs must replay on today's workflow code: a change that breaks them needs Workflow.Patched.</summary>
public sealed class ReplayTests
{
    public static TheoryData<string> Recorded()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Histories.Directory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Recorded_EveryWorkflow_HasAHistory()
    {
        var names = Directory.EnumerateFiles(Histories.Directory, "*.json").Select(Histories.NameOf).ToList();

        foreach (var workflow in new[] { "backfill", "training", "promotion-approved", "promotion-timeout", "rollback", "retraining", "sweep", "sweep-trial", "live-decisions", "trading" })
        {
            Assert.Contains(names, n => n == workflow);
        }
    }

    [Theory]
    [MemberData(nameof(Recorded))]
    public async Task ReplayWorkflowAsync_RecordedHistory_ReplaysWithoutNondeterminism(string file)
    {
        var result = await Histories.Replayer().ReplayWorkflowAsync(Histories.Load(Path.Combine(Histories.Directory, file)));

        Assert.Null(result.ReplayFailure);
    }
}
