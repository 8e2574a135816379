using Platform.Domain;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Trains the Linear and the LSTM challenger in parallel (each an activity that heartbeats its epochs and can be
/// cancelled), each tracked as an MLflow run and registered as a model version; the best by validation score gets the
/// <c>challenger</c> alias.
/// </summary>
[Workflow]
public sealed class TrainingWorkflow
{
    public const string ChallengerAlias = "challenger";

    public sealed record Request(
        string ModelName,
        string TradedSymbol,
        DateTimeOffset TrainFrom,
        DateTimeOffset TrainTo,
        DateTimeOffset ValidateFrom,
        DateTimeOffset ValidateTo,
        decimal FeeRate,
        IReadOnlyList<string> Kinds,
        TrainingHyperparameters Hyperparameters,
        string ExperimentName = "platform-training",
        TimeSpan? HeartbeatTimeout = null);

    public sealed record Result(IReadOnlyList<TrainModelResult> Candidates, string ChallengerVersion, string ChallengerKind);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kinds is null || request.Kinds.Count == 0)
        {
            throw new ApplicationFailureException("Training needs at least one network kind (linear, lstm).", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        if (request.TrainTo <= request.TrainFrom || request.ValidateTo <= request.ValidateFrom || request.ValidateFrom < request.TrainTo)
        {
            throw new ApplicationFailureException("Ranges must be non-empty and validation must start at or after the end of training.", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        var options = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromHours(2),
            HeartbeatTimeout = request.HeartbeatTimeout ?? TimeSpan.FromMinutes(2),
            RetryPolicy = new RetryPolicy { MaximumAttempts = 3, NonRetryableErrorTypes = [InvalidRequestException.ErrorType] },
        };
        var runs = request.Kinds.Select(kind => Workflow.ExecuteActivityAsync(
            (ITrainingActivities a) => a.TrainModelAsync(new TrainModelInput(
                request.ModelName, kind, request.ExperimentName, request.TradedSymbol, request.TrainFrom, request.TrainTo,
                request.ValidateFrom, request.ValidateTo, request.FeeRate, request.Hyperparameters)),
            options)).ToList();
        var candidates = await Workflow.WhenAllAsync(runs);

        // Ties go to the first kind listed, so the choice is deterministic.
        var best = candidates.Aggregate((a, b) => b.ValidationScore > a.ValidationScore ? b : a);
        var registry = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 10 } };
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, ChallengerAlias, best.Version)), registry);
        foreach (var c in candidates)
        {
            var tags = new Dictionary<string, string>
            {
                ["platform.training_workflow"] = Workflow.Info.WorkflowId,
                ["platform.candidates"] = string.Join(",", candidates.Select(x => x.Version)),
            };
            await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.TagVersionAsync(new TagVersionInput(request.ModelName, c.Version, tags)), registry);
        }

        return new Result(candidates, best.Version, best.Kind);
    }
}
