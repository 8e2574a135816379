using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.Models;
using Platform.Kafka;

namespace Platform.LiveTrading;

/// <summary>What a decision service trades, from when, and which registry alias it follows.</summary>
public sealed record DecisionServiceOptions
{
    /// <summary>The traded symbol (the feature rows' key).</summary>
    public required string Symbol { get; init; }

    /// <summary>Rows before this open time only warm the model's window.</summary>
    public DateTimeOffset TradeFrom { get; init; } = DateTimeOffset.MinValue;

    /// <summary>Rows opening at or after this time are not decided (null: no end).</summary>
    public DateTimeOffset? TradeUntil { get; init; }

    /// <summary>The consumer group on the feature topic (null: <c>decisions-&lt;model name&gt;-&lt;symbol&gt;</c>).</summary>
    public string? GroupId { get; init; }

    /// <summary>The registry alias to follow (e.g. <c>models:/btcusdt-dqn@champion</c>): polled as the fallback to swap requests. Null: no polling.</summary>
    public ModelReference? Follow { get; init; }

    public TimeSpan RegistryPoll { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At start, hand the decisions this model published for the symbol to the position port (<see cref="IPositionPort.RestoreAsync"/>).
    /// Off for a one-off run (a paper run) whose account starts fresh.
    /// </summary>
    public bool RestorePosition { get; init; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Symbol))
        {
            throw new InvalidRequestException("A decision service needs the traded symbol.");
        }

        if (Follow is { Path: not null })
        {
            throw new InvalidRequestException($"Only a registry alias can be followed, not the file {Follow.Path}.");
        }

        if (RegistryPoll <= TimeSpan.Zero)
        {
            throw new InvalidRequestException("The registry poll interval must be positive.");
        }
    }
}

/// <summary>One model switch of a decision service: which version decided up to which row, and which from the next.</summary>
public sealed record ModelSwap(ModelIdentity From, ModelIdentity To, DateTimeOffset? AfterRow, DateTimeOffset At, string Reason);

/// <summary>Where a decision service is: its last row and decision, the model deciding, and its swaps.</summary>
public sealed record DecisionServiceStatus(DateTimeOffset? LastRow, TradingDecision? LastDecision, ModelIdentity Model, long Decisions, IReadOnlyList<ModelSwap> Swaps);

/// <summary>
/// The decision service: consumes a feature topic (<see cref="KafkaFeatureService"/>), decides each row of its symbol
/// with the model's <see cref="Domain.Backtesting.IBarDecider"/> given the <see cref="IPositionPort"/>'s position (the backtest's
/// computation, through <see cref="LiveDecisionLoop"/>), and publishes the decisions to <c>decisions</c> in a Kafka
/// transaction with the consumed offsets — a restart neither skips nor repeats one: at start it rebuilds the model's
/// window from the rows before its committed position and the port from the decisions it published. A row computed by
/// another spec is refused. The model is swapped between rows (<see cref="RequestSwap"/>, or the registry alias it
/// follows moving): the next row is decided by the new version, the switch logged with both.
/// </summary>
public sealed class KafkaDecisionService : IDisposable
{
    private static readonly ActivitySource Source = new("Platform.LiveTrading.Decisions");
    private static readonly Meter Meter = new("Platform.LiveTrading.Decisions");
    private static readonly Counter<long> DecisionsCounter = Meter.CreateCounter<long>("platform.decisions", "{decision}");
    private static readonly Counter<long> SwapsCounter = Meter.CreateCounter<long>("platform.decisions.model_swaps", "{swap}");
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<KafkaDecisionService, byte> Running = new();

    // 1 per running decision service, labelled with the model version it decides with now (it changes on a swap).
    private static readonly ObservableGauge<int> ModelInUse = Meter.CreateObservableGauge(
        "platform.decisions.model_in_use",
        () => Running.Keys.Select(d => new Measurement<int>(1, new("model", d.loop.Model.Name), new("version", d.loop.Model.Version ?? "file"), new("symbol", d.options.Symbol))),
        "{service}",
        "The model version each running decision service decides with");

    private readonly KafkaCluster cluster;
    private readonly KafkaConnection connection;
    private readonly DecisionServiceOptions options;
    private readonly IModelLoader? loader;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly LiveDecisionLoop loop;
    private readonly KafkaTopic<string, StreamedFeatureRow> input;
    private readonly List<ModelSwap> swaps = [];
    private readonly Lock gate = new();
    private readonly List<ITradingModel> owned = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> committedAt = new(StringComparer.Ordinal);
    private (ITradingModel Model, string Reason)? pendingSwap;
    private KafkaTopicConsumer<string, StreamedFeatureRow>? consumer;
    private KafkaProducer? producer;
    private DateTimeOffset? lastPublished;
    private DateTimeOffset nextPoll;
    private TradingDecision? lastDecision;
    private bool faulted;

    public KafkaDecisionService(
        KafkaCluster cluster,
        ITradingModel model,
        DecisionServiceOptions options,
        IPositionPort? port = null,
        IModelLoader? loader = null,
        ILogger<KafkaDecisionService>? logger = null,
        TimeProvider? timeProvider = null)
    {
        this.cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        connection = cluster.Connection;
        ArgumentNullException.ThrowIfNull(model);
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        if (options.Follow is not null && loader is null)
        {
            throw new ArgumentException("Following a registry alias needs a model loader.", nameof(loader));
        }

        this.loader = loader;
        this.logger = logger ?? NullLogger<KafkaDecisionService>.Instance;
        time = timeProvider ?? TimeProvider.System;
        Port = port ?? new PaperPositionPort(model.Trading);
        Model = model;
        input = PlatformTopics.Features(model.FeatureSpec);
        loop = new LiveDecisionLoop(model.CreateDecider(), model.Identity, Port, options.Symbol, options.TradeFrom, options.TradeUntil, time);
        Running[this] = 0;
        GroupId = options.GroupId ?? $"decisions-{model.Identity.Name}-{options.Symbol}";
    }

    public string GroupId { get; }

    public IPositionPort Port { get; }

    /// <summary>The model deciding the next row.</summary>
    public ITradingModel Model { get; private set; }

    /// <summary>Bars decided by this instance (not those restored at start).</summary>
    public IReadOnlyList<DecidedBar> Decided => loop.Decided;

    /// <summary>When each decision of this instance became visible on <c>decisions</c> (its transaction committed), by decision id.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> CommittedAt => committedAt;

    /// <summary>True once a row at or after <see cref="DecisionServiceOptions.TradeUntil"/> arrived.</summary>
    public bool ReachedUntil => loop.ReachedUntil;

    public DecisionServiceStatus Status
    {
        get
        {
            lock (gate)
            {
                return new DecisionServiceStatus(loop.LastRow, lastDecision, loop.Model, loop.Decided.Count, [.. swaps]);
            }
        }
    }

    /// <summary>
    /// Asks that the next row be decided by <paramref name="next"/> (thread-safe; the service takes ownership of it).
    /// A model reading other features is refused when the swap is applied, and the current one stays.
    /// </summary>
    public void RequestSwap(ITradingModel next, string reason)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (gate)
        {
            if (pendingSwap is { } replaced)
            {
                replaced.Model.Dispose();
            }

            pendingSwap = (next, reason);
        }
    }

    /// <summary>Starts (once) and decides rows until cancelled or until the trading range ends. Blocking consumer calls run on the calling thread.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await ServiceLoop.RunAsync(ProcessBatchAsync, () => loop.ReachedUntil, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rebuilds the window from the rows before the committed position and the position from the published decisions.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (consumer is not null)
        {
            return;
        }

        await cluster.EnsureTopicsAsync([input.Definition, PlatformTopics.Decisions.Definition]).ConfigureAwait(false);
        var committed = KafkaTopicReader.CommittedOffsets(connection, input.Name, GroupId);
        var warm = committed.Values.Any(o => o >= 0)
            ? FeatureTopicHistory.RowsOf(connection, input, options.Symbol, Model.FeatureSpec.WindowLength, committed).Select(r => r.Value!).ToList()
            : [];
        foreach (var row in warm)
        {
            CheckSpec(row);
        }

        loop.Warm(warm.Select(r => r.ToLiveRow()));
        var published = !options.RestorePosition ? [] : KafkaTopicReader.ReadToEnd(connection, PlatformTopics.Decisions)
            .Where(r => r.IsValid && r.Value!.ModelName == Model.Identity.Name && r.Value.Symbol == options.Symbol)
            .Select(r => r.Value!)
            .DistinctBy(d => d.DecisionId)
            .OrderBy(d => d.OpenTime)
            .ToList();
        await Port.RestoreAsync(published, cancellationToken).ConfigureAwait(false);
        lastPublished = published.Count > 0 ? published[^1].OpenTime : null;
        lastDecision = published.Count > 0 ? published[^1] : null;
        var id = $"decisions-{GroupId}";
        producer = new KafkaProducer(connection, id, transactionalId: id, linger: TimeSpan.Zero);
        consumer = new KafkaTopicConsumer<string, StreamedFeatureRow>(connection, input, GroupId, id);
        nextPoll = time.GetUtcNow() + options.RegistryPoll;
        DecisionServiceLog.Started(logger, Model.Identity.Reference, Model.Identity.Version ?? "file", input.Name, options.Symbol, warm.Count, published.Count);
    }

    /// <summary>Consumes one batch of rows (waiting up to <paramref name="wait"/>), decides them and publishes the decisions with the batch's offsets. Returns the decisions published.</summary>
    public async Task<int> ProcessBatchAsync(TimeSpan wait, CancellationToken cancellationToken = default)
    {
        if (consumer is null || producer is null)
        {
            throw new InvalidOperationException("StartAsync first.");
        }

        if (faulted)
        {
            throw new InvalidOperationException("A batch of this decision service failed: its window and position may be ahead of what was published; start a new instance (it rebuilds from the topics).");
        }

        await PollRegistryAsync(cancellationToken).ConfigureAwait(false);
        var batch = consumer.ConsumeBatch(1_000, wait, cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var decisions = new List<(TradingDecision Decision, string? TraceParent)>();
        try
        {
            foreach (var record in batch)
            {
                if (!record.IsValid)
                {
                    DecisionServiceLog.Unreadable(logger, record.Topic, record.Partition, record.Offset, record.FormatError!);
                    continue;
                }

                var row = record.Value!;
                if (record.Key != options.Symbol)
                {
                    continue;
                }

                CheckSpec(row);
                if (row.OpenTime <= lastPublished)
                {
                    // Decided and published by an earlier run: it only moves the window (a redelivered row not even that).
                    loop.Warm([row.ToLiveRow()]);
                    continue;
                }

                ApplyPendingSwap();
                using var activity = StartDecisionActivity(row);
                foreach (var bar in await loop.OnRowsAsync([row.ToLiveRow()], cancellationToken).ConfigureAwait(false))
                {
                    activity?.SetTag("action", bar.Decision.Action.ToString().ToLowerInvariant());
                    decisions.Add((bar.Decision, activity?.Id));
                }
            }

            await PublishAsync(decisions, consumer.PositionsAfter(batch), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The consumer has moved past rows whose decisions (and offsets) were not committed, and the port may have
            // acted on some: only a new instance, rebuilt from the topics, knows where it stands.
            faulted = true;
            throw;
        }

        return decisions.Count;
    }

    public void Dispose()
    {
        Running.TryRemove(this, out _);
        consumer?.Dispose();
        producer?.Dispose();
        lock (gate)
        {
            pendingSwap?.Model.Dispose();
            foreach (var model in owned)
            {
                model.Dispose();
            }
        }
    }

    private void CheckSpec(StreamedFeatureRow row)
    {
        if (row.SpecHash != loop.SpecHash)
        {
            throw new InvalidRequestException(
                $"Model {Model.Identity.Reference} reads features '{Model.FeatureSpec.Name}' v{Model.FeatureSpec.Version} with hash {loop.SpecHash[..12]}, "
                + $"but {input.Name} carries rows of hash {row.SpecHash[..Math.Min(12, row.SpecHash.Length)]} (spec '{row.SpecName}' v{row.SpecVersion}): it would decide on features it was not trained on.");
        }
    }

    private Activity? StartDecisionActivity(StreamedFeatureRow row)
    {
        ActivityContext.TryParse(row.TraceParent, null, out var parent);
        var activity = Source.StartActivity("decision", ActivityKind.Internal, parent);
        activity?.SetTag("model.name", loop.Model.Name);
        activity?.SetTag("model.version", loop.Model.Version);
        activity?.SetTag("model.run_id", loop.Model.RunId);
        activity?.SetTag("features.spec_hash", row.SpecHash);
        activity?.SetTag("open_time", row.OpenTime.ToString("u", CultureInfo.InvariantCulture));
        return activity;
    }

    private async Task PublishAsync(List<(TradingDecision Decision, string? TraceParent)> decisions, IReadOnlyList<Confluent.Kafka.TopicPartitionOffset> positions, CancellationToken cancellationToken)
    {
        producer!.BeginTransaction();
        try
        {
            await Task.WhenAll(decisions.Select(d => producer.ProduceAsync(PlatformTopics.Decisions, d.Decision.Symbol, d.Decision, cancellationToken))).ConfigureAwait(false);
            producer.CommitTransaction(positions, consumer!.GroupMetadata);
        }
        catch
        {
            try
            {
                producer.AbortTransaction();
            }
            catch (Confluent.Kafka.KafkaException e)
            {
                DecisionServiceLog.AbortFailed(logger, e.Message);
            }

            throw;
        }

        var committed = time.GetUtcNow();
        foreach (var (decision, _) in decisions)
        {
            committedAt[decision.DecisionId] = committed;
        }

        if (decisions.Count > 0)
        {
            lock (gate)
            {
                lastDecision = decisions[^1].Decision;
            }

            lastPublished = lastDecision.OpenTime;
            DecisionsCounter.Add(decisions.Count, new KeyValuePair<string, object?>("model", loop.Model.Name));
        }
    }

    private async Task PollRegistryAsync(CancellationToken cancellationToken)
    {
        if (options.Follow is not { } follow || time.GetUtcNow() < nextPoll)
        {
            return;
        }

        nextPoll = time.GetUtcNow() + options.RegistryPoll;
        ITradingModel latest;
        try
        {
            latest = await loader!.LoadAsync(follow, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidRequestException or HttpRequestException or IOException)
        {
            // The registry being unreachable must not stop trading: the current version keeps deciding.
            DecisionServiceLog.PollFailed(logger, follow.ToString(), e.Message);
            return;
        }

        if (latest.Identity.Version == loop.Model.Version && latest.Identity.Name == loop.Model.Name)
        {
            latest.Dispose();
            return;
        }

        RequestSwap(latest, $"{follow} moved (registry poll)");
    }

    private void ApplyPendingSwap()
    {
        (ITradingModel Model, string Reason)? swap;
        lock (gate)
        {
            swap = pendingSwap;
            pendingSwap = null;
        }

        if (swap is not { } next)
        {
            return;
        }

        try
        {
            var previous = loop.Swap(next.Model.CreateDecider(), next.Model.Identity);
            var record = new ModelSwap(previous, next.Model.Identity, loop.LastRow, time.GetUtcNow(), next.Reason);
            lock (gate)
            {
                swaps.Add(record);
                owned.Add(next.Model);
            }

            Model = next.Model;
            SwapsCounter.Add(1, new KeyValuePair<string, object?>("model", next.Model.Identity.Name));
            DecisionServiceLog.Swapped(logger, previous.Reference, previous.Version ?? "file", next.Model.Identity.Reference, next.Model.Identity.Version ?? "file", loop.LastRow, next.Reason);
        }
        catch (InvalidRequestException e)
        {
            DecisionServiceLog.SwapRefused(logger, next.Model.Identity.Reference, e.Message);
            next.Model.Dispose();
        }
    }
}

internal static partial class DecisionServiceLog
{
    [LoggerMessage(1, LogLevel.Information, "Decision service for {Model} v{Version} on {Topic}/{Symbol} started: {Warm} rows warmed the window, {Restored} published decisions restored the position")]
    public static partial void Started(ILogger logger, string model, string version, string topic, string symbol, int warm, int restored);

    [LoggerMessage(2, LogLevel.Warning, "Model swap: {FromModel} v{FromVersion} → {ToModel} v{ToVersion} after row {AfterRow:u} ({Reason})")]
    public static partial void Swapped(ILogger logger, string fromModel, string fromVersion, string toModel, string toVersion, DateTimeOffset? afterRow, string reason);

    [LoggerMessage(3, LogLevel.Error, "Model swap to {Model} refused: {Reason}")]
    public static partial void SwapRefused(ILogger logger, string model, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Registry poll of {Alias} failed, the current model keeps deciding: {Reason}")]
    public static partial void PollFailed(ILogger logger, string alias, string reason);

    [LoggerMessage(5, LogLevel.Error, "Unreadable feature row {Topic}/{Partition}@{Offset} skipped: {Reason}")]
    public static partial void Unreadable(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Aborting the decision transaction failed: {Reason}")]
    public static partial void AbortFailed(ILogger logger, string reason);
}
