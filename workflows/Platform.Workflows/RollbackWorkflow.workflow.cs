using Platform.Domain;
using Platform.Domain.Models;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>Puts the previous champion back: <c>champion</c> ↔ <c>previous_champion</c>, audited.</summary>
[Workflow]
public sealed class RollbackWorkflow
{
    /// <param name="TradedSymbol">The symbol whose live decisions of <c>champion</c> are told to swap back (null: none are told; they poll the registry).</param>
    public sealed record Request(string ModelName, string Actor, string Reason, string? TradedSymbol = null);

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
        var previous = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, ModelAliases.PreviousChampion)), quick)
            ?? throw new ApplicationFailureException($"Model {request.ModelName} has no previous champion to roll back to.", "NothingToRollBack", nonRetryable: true);
        var current = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, ModelAliases.Champion)), quick)
            ?? throw new ApplicationFailureException($"Model {request.ModelName} has no champion.", "NothingToRollBack", nonRetryable: true);
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, ModelAliases.Champion, previous)), quick);
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, ModelAliases.PreviousChampion, current)), quick);
        if (request.TradedSymbol is { } symbol && Workflow.Patched(PromotionWorkflow.LiveDecisionSignalPatch))
        {
            await LiveDecisionWorkflow.SignalChampionMovedAsync(request.ModelName, symbol, previous, $"rolled back by {Workflow.Info.WorkflowId}: {request.Reason}", request.Actor);
        }
        var entry = new AuditEntry(Workflow.UtcNow, Workflow.Info.WorkflowId, "rolled_back", request.ModelName, previous, request.Actor, request.Reason, new Dictionary<string, string> { ["replaced"] = current });
        await Workflow.ExecuteActivityAsync((IPromotionActivities a) => a.RecordAuditAsync(entry), quick);
        return new Result(previous, current);
    }
}
