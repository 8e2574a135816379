using System.Globalization;
using Platform.Domain;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Learning.Agents;
using Platform.Learning.Networks;
using Platform.Mlflow;
using Platform.Mlflow.ModelFormat;
using Platform.Models;
using Platform.Mlflow.Protocol;
using Platform.Workflows;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// Trains one DQN (Linear or LSTM) on data from the market-data store, tracks it as an MLflow run (params, per-epoch
/// metrics, dataset digests, the model artifact, code version, seed) and registers the model version.
/// Heartbeats carry the MLflow run, the epoch and the last validation score; cancellation reaches the trainer through
/// them. Training checkpoints after every epoch: a retried attempt (e.g. after its worker died) resumes from the last
/// completed epoch in the same MLflow run instead of starting over.
/// </summary>
public sealed class TrainingActivities(IMarketDataStore store, MlflowClient mlflow, PlatformDataOptions paths) : ITrainingActivities
{
    [Activity("TrainModel")]
    public Task<TrainModelResult> TrainModelAsync(TrainModelInput input) => InvalidRequestFailure.GuardAsync(() => TrainAsync(input));

    private async Task<TrainModelResult> TrainAsync(TrainModelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var kind = input.Kind.ToLowerInvariant() switch
        {
            "linear" => QNetworkKind.Linear,
            "lstm" => QNetworkKind.Lstm,
            _ => throw new ApplicationFailureException($"Unknown network kind '{input.Kind}' (linear or lstm).", InvalidRequestException.ErrorType, nonRetryable: true),
        };

        FeatureSpec spec;
        try
        {
            spec = input.FeatureSpecJson is null ? FeatureSpec.PaperDefault : FeatureSpec.FromJson(input.FeatureSpecJson);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidRequestException)
        {
            throw new ApplicationFailureException($"The training request's feature spec is invalid: {e.Message}", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        var market = await MarketContext.LoadAsync(store, spec, input.TradedSymbol, input.TrainFrom, input.ValidateTo, cancellation);
        var quality = DataQualityReport.Report(market, input.TrainFrom, input.ValidateTo, "training data");
        var trading = new TradingOptions { Symbol = input.TradedSymbol, FeeRate = input.FeeRate };
        var training = new TrainingData(market, trading);
        var h = input.Hyperparameters;
        var defaults = DqnAgentOptions.Default(kind, h.Seed);
        var agent = defaults with
        {
            MaxEpochs = h.MaxEpochs,
            Patience = h.Patience,
            HiddenSize = h.HiddenSize,
            Dqn = defaults.Dqn with { LearningRate = h.LearningRate, Seed = h.Seed },
        };

        var previous = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<TrainingHeartbeat>(0) : null;
        string runId;
        if (previous is not null)
        {
            runId = previous.RunId;
        }
        else
        {
            var experiment = await mlflow.GetOrCreateExperimentAsync(input.ExperimentName, cancellation);
            var run = await mlflow.CreateRunAsync(
                experiment.ExperimentId,
                $"{input.Kind}-{context.Info.WorkflowId ?? "adhoc"}",
                [new Tag("platform.workflow_id", context.Info.WorkflowId ?? "none"), new Tag("platform.network_kind", input.Kind), new Tag("mlflow.source.name", "Platform.Activities.TrainModel")],
                cancellationToken: cancellation);
            runId = run.Info.RunId;

            // At once, not at the first progress report: a retry after this worker dies must find the run to resume in.
            context.Heartbeat(new TrainingHeartbeat(runId, 0, agent.MaxEpochs, 0, null));
        }

        var checkpoint = new TrainingCheckpoint(Path.Combine(paths.CheckpointDirectory, $"{Sanitize(context.Info.WorkflowId ?? "adhoc")}-{Sanitize(context.Info.ActivityId)}-{input.Kind}.ckpt"));
        try
        {
            // Params are write-once: a resumed attempt has logged them already.
            if (previous is null)
            {
                await LogRunInputsAsync(runId, input, spec, market, cancellation);
            }

            var outcome = await Task.Run(
                () => DqnTrainer.Train(
                    training,
                    new DateRange(input.TrainFrom, input.TrainTo),
                    new DateRange(input.ValidateFrom, input.ValidateTo),
                    agent,
                    $"{input.ModelName}-{input.Kind}",
                    p => context.Heartbeat(new TrainingHeartbeat(runId, p.Epoch, p.MaxEpochs, p.Steps, p.LastValidationScore)),
                    checkpoint,
                    cancellation),
                cancellation);
            using var model = outcome.Model;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await mlflow.LogBatchAsync(runId, metrics: outcome.Epochs.SelectMany(e => new[]
            {
                new Metric("validation_score", e.ValidationScore, now, e.Epoch),
                new Metric("validation_return_pct", e.ValidationReturnPct, now, e.Epoch),
                new Metric("train_return_pct", e.TrainReturnPct, now, e.Epoch),
                new Metric("mean_loss", double.IsFinite(e.MeanLoss) ? e.MeanLoss : 0, now, e.Epoch),
                new Metric("epsilon", e.Epsilon, now, e.Epoch),
            }).Concat([new Metric("data_rejected_rows", quality.RejectedRows, now, 0), new Metric("data_missing_bars", quality.MissingBars, now, 0)]), cancellationToken: cancellation);

            var format = new PlatformModelFormat(mlflow);
            var metadata = DqnCheckpointCodec.Describe(model);
            var logged = await format.LogModelAsync(await mlflow.GetRunAsync(runId, cancellation), model, metadata, new DqnCheckpointCodec(), cancellationToken: cancellation);
            var version = await format.RegisterAsync(input.ModelName, logged, metadata, cancellation);
            await mlflow.SetModelVersionTagAsync(input.ModelName, version.Version, "platform.validation_metric", model.Metadata.ValidationMetric, cancellation);
            await mlflow.SetModelVersionTagAsync(input.ModelName, version.Version, "platform.validation_score", model.Metadata.ValidationScore.ToString("0.####", CultureInfo.InvariantCulture), cancellation);
            await mlflow.EndRunAsync(runId, RunStatus.Finished, cancellation);
            checkpoint.Delete();
            return new TrainModelResult(input.Kind, runId, input.ModelName, version.Version, model.Metadata.ValidationMetric, model.Metadata.ValidationScore, outcome.Epochs.Count, outcome.BestEpoch, outcome.ResumedAfterEpoch);
        }
        catch
        {
            await mlflow.EndRunAsync(runId, cancellation.IsCancellationRequested ? RunStatus.Killed : RunStatus.Failed, CancellationToken.None);
            throw;
        }
    }

    private async Task LogRunInputsAsync(string runId, TrainModelInput input, FeatureSpec spec, MarketContext market, CancellationToken cancellation)
    {
        var h = input.Hyperparameters;
        await mlflow.LogBatchAsync(runId, parameters:
        [
            new Param("network_kind", input.Kind), new Param("seed", h.Seed.ToString(CultureInfo.InvariantCulture)),
            new Param("max_epochs", h.MaxEpochs.ToString(CultureInfo.InvariantCulture)), new Param("patience", h.Patience.ToString(CultureInfo.InvariantCulture)),
            new Param("hidden_size", h.HiddenSize.ToString(CultureInfo.InvariantCulture)), new Param("learning_rate", h.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
            new Param("fee_rate", input.FeeRate.ToString(CultureInfo.InvariantCulture)), new Param("traded_symbol", input.TradedSymbol),
            new Param("train_range", $"{input.TrainFrom:O}..{input.TrainTo:O}"), new Param("validation_range", $"{input.ValidateFrom:O}..{input.ValidateTo:O}"),
            new Param("feature_spec", $"{spec.Name}/v{spec.Version}"), new Param("feature_spec_hash", spec.ContentHash),
            new Param("code_version", DqnModelMetadata.CurrentCodeVersion),
        ], cancellationToken: cancellation);
        await mlflow.LogInputsAsync(runId, [.. market.SeriesHashes.Select(p => (Symbol: p.Key, Hash: p.Value)).Select(s => new DatasetInput
        {
            Dataset = new Dataset { Name = $"{s.Symbol}-1h", Digest = s.Hash[..16], SourceType = "platform-market-store", Source = $"market-store://{s.Symbol}/1h" },
            Tags = [new Tag("mlflow.data.context", "training")],
        })], cancellation);
    }

    /// <summary>What a training heartbeat says (visible in the workflow's pending activity).</summary>
    public sealed record TrainingHeartbeat(string RunId, int Epoch, int MaxEpochs, long Steps, double? LastValidationScore);

    private static string Sanitize(string value) => string.Concat(value.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
