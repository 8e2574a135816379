using Platform.Domain;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>Puts the previous champion back: <c>champion</c> ↔ <c>previous_champion</c>, audited.</summary>
[Workflow]
public sealed class RollbackWorkflow
{
    public sealed record Request(string ModelName, string Actor, string Reason);

    public sealed record Result(string RestoredVersion, string ReplacedVersion);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Actor) || string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new ApplicationFailureException("A rollback needs who and why.", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        var quick = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 10 } };
        var previous = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, PromotionWorkflow.PreviousChampionAlias)), quick)
            ?? throw new ApplicationFailureException($"Model {request.ModelName} has no previous champion to roll back to.", "NothingToRollBack", nonRetryable: true);
        var current = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, PromotionWorkflow.ChampionAlias)), quick)
            ?? throw new ApplicationFailureException($"Model {request.ModelName} has no champion.", "NothingToRollBack", nonRetryable: true);
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, PromotionWorkflow.ChampionAlias, previous)), quick);
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, PromotionWorkflow.PreviousChampionAlias, current)), quick);
        var entry = new AuditEntry(Workflow.UtcNow, Workflow.Info.WorkflowId, "rolled_back", request.ModelName, previous, request.Actor, request.Reason, new Dictionary<string, string> { ["replaced"] = current });
        await Workflow.ExecuteActivityAsync((IPromotionActivities a) => a.RecordAuditAsync(entry), quick);
        return new Result(previous, current);
    }
}
