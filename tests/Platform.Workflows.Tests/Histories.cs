using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

/// <summary>
/// Replay guard. Every end-to-end run replays its own fresh history against the current workflow code; with
/// PLATFORM_RECORD_HISTORIES=1 the history is also saved under Histories/ so that later code changes are replayed
/// against it (<see cref="ReplayTests"/>).
/// </summary>
internal static partial class Histories
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Histories");

    public static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Histories");

    public static WorkflowReplayer Replayer() => new(new WorkflowReplayerOptions()
        .AddWorkflow<BackfillWorkflow>()
        .AddWorkflow<TrainingWorkflow>()
        .AddWorkflow<PromotionWorkflow>()
        .AddWorkflow<RollbackWorkflow>()
        .AddWorkflow<RetrainingWorkflow>()
        .AddWorkflow<MarketStreamWorkflow>()
        .AddWorkflow<LiveDecisionWorkflow>()
        .AddWorkflow<TradingWorkflow>()
        .AddWorkflow<SweepWorkflow>()
        .AddWorkflow<SweepTrialWorkflow>());

    public static async Task CheckAsync(WorkflowHandle handle, string name)
    {
        var history = await handle.FetchHistoryAsync();
        await Replayer().ReplayWorkflowAsync(history);
        if (Environment.GetEnvironmentVariable("PLATFORM_RECORD_HISTORIES") == "1")
        {
            System.IO.Directory.CreateDirectory(SourceDirectory());
            foreach (var old in System.IO.Directory.EnumerateFiles(SourceDirectory(), name + "__*.json"))
            {
                File.Delete(old);
            }

            // The workflow id is part of the history's meaning (child ids derive from it), so it goes in the file name.
            // Child ids may contain '/', which a file name cannot: it is stored as '+'.
            // Failures carry stack traces with this machine's source paths: replay does not read them, so they are dropped.
            var json = StackTraces().Replace(history.ToJson(), "\"stackTrace\": \"\"");
            await File.WriteAllTextAsync(Path.Combine(SourceDirectory(), $"{name}__{handle.Id.Replace('/', '+')}.json"), json);
        }
    }

    /// <summary>The recorded name: "promotion-approved" of "promotion-approved__promote-1234.json".</summary>
    public static string NameOf(string file) => Path.GetFileNameWithoutExtension(file).Split("__", 2)[0];

    public static WorkflowHistory Load(string file) => WorkflowHistory.FromJson(Path.GetFileNameWithoutExtension(file).Split("__", 2)[1].Replace('+', '/'), File.ReadAllText(file));

    [System.Text.RegularExpressions.GeneratedRegex("\"stackTrace\":\\s*\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial System.Text.RegularExpressions.Regex StackTraces();
}
