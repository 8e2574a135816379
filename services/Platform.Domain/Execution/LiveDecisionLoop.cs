using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Models;

namespace Platform.Domain.Execution;

/// <summary>One bar decided live: the decision, what the position port made of it, and the bar's close it acted at.</summary>
public sealed record DecidedBar(TradingDecision Decision, DecisionOutcome Outcome, decimal ClosePrice);

/// <summary>
/// The live decision path, transport aside: feature rows (from <see cref="AlignedLiveFeatures"/>, the batch's code, as
/// the feature service publishes them) → the model's <see cref="IBarDecider"/> (the backtest's per-bar computation)
/// given the position the <see cref="IPositionPort"/> holds → the port acts at the bar's close. Rows before
/// <see cref="TradeFrom"/> only warm the window; rows from <see cref="TradeUntil"/> on are not decided; a row at or
/// before the last one taken is ignored (a redelivery). The model can be swapped between bars (<see cref="Swap"/>):
/// the new one is fed the rows of the last window first, so the next bar is decided by it with a full window — no
/// restart, no skipped hour. Not thread-safe: one caller feeds it in order.
/// </summary>
public sealed class LiveDecisionLoop
{
    private readonly IPositionPort port;
    private readonly TimeProvider time;
    private readonly Queue<LiveFeatureRow> recentRows = new();
    private readonly List<DecidedBar> decided = [];
    private IBarDecider decider;
    private float[] qValues;

    public LiveDecisionLoop(IBarDecider decider, ModelIdentity model, IPositionPort port, string symbol, DateTimeOffset tradeFrom, DateTimeOffset? tradeUntil = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(port);
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        if (tradeUntil <= tradeFrom)
        {
            throw new InvalidRequestException($"--until {tradeUntil:yyyy-MM-dd HH:mm} is not after the first bar to trade, {tradeFrom:yyyy-MM-dd HH:mm}.");
        }

        this.decider = decider;
        this.port = port;
        time = timeProvider ?? TimeProvider.System;
        qValues = new float[decider.ActionCount];
        Model = model;
        Symbol = symbol;
        TradeFrom = tradeFrom;
        TradeUntil = tradeUntil;
    }

    public ModelIdentity Model { get; private set; }

    public string Symbol { get; }

    public DateTimeOffset TradeFrom { get; }

    public DateTimeOffset? TradeUntil { get; }

    public IReadOnlyList<DecidedBar> Decided => decided;

    /// <summary>The open time of the last feature row computed (warm-up rows included).</summary>
    public DateTimeOffset? LastRow { get; private set; }

    /// <summary>True once a row at or after <see cref="TradeUntil"/> arrived: every bar to trade is decided.</summary>
    public bool ReachedUntil { get; private set; }

    /// <summary>Takes the next feature rows, oldest first, and decides those in the trading range.</summary>
    public async Task<IReadOnlyList<DecidedBar>> OnRowsAsync(IReadOnlyList<LiveFeatureRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new List<DecidedBar>();
        foreach (var row in rows)
        {
            if (row.OpenTime <= LastRow)
            {
                continue;
            }

            Take(row);
            if (row.OpenTime >= TradeUntil)
            {
                ReachedUntil = true;
                continue;
            }

            if (row.OpenTime >= TradeFrom)
            {
                result.Add(await DecideAsync(row, cancellationToken).ConfigureAwait(false));
            }
        }

        return result;
    }

    /// <summary>Feeds rows that were decided before (by an earlier run of this service) to the windows only: nothing is decided again.</summary>
    public void Warm(IEnumerable<LiveFeatureRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows.Where(r => !(r.OpenTime <= LastRow)))
        {
            Take(row);
        }
    }

    /// <summary>The content hash of the features the current model reads.</summary>
    public string SpecHash => decider.Spec.ContentHash;

    /// <summary>
    /// Decides the next bars with <paramref name="next"/>; it must read the same features (spec hash). Returns the model
    /// it replaced.
    /// </summary>
    public ModelIdentity Swap(IBarDecider next, ModelIdentity model)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(model);
        if (next.Spec.ContentHash != decider.Spec.ContentHash)
        {
            throw new InvalidRequestException($"Model {model.Reference} reads features '{next.Spec.Name}' ({next.Spec.ContentHash[..12]}); this stream computes '{decider.Spec.Name}' ({decider.Spec.ContentHash[..12]}).");
        }

        next.Reset();
        foreach (var row in recentRows)
        {
            next.Push(row.Values, row.Complete);
        }

        var previous = Model;
        decider = next;
        qValues = new float[next.ActionCount];
        Model = model;
        return previous;
    }

    /// <summary>Decision ids are the bar's identity for this model: deciding a bar again yields the same id.</summary>
    public static string DecisionId(string modelName, string symbol, DateTimeOffset openTime) =>
        $"{modelName}:{symbol}:{openTime.ToUnixTimeMilliseconds()}";

    private async Task<DecidedBar> DecideAsync(LiveFeatureRow row, CancellationToken cancellationToken)
    {
        var position = await port.PositionBeforeAsync(Symbol, row.OpenTime, cancellationToken).ConfigureAwait(false);
        var action = decider.Decide(position.OpenLots, qValues);
        var decision = new TradingDecision(
            DecisionId(Model.Name, Symbol, row.OpenTime),
            Model.Name,
            Model.Version ?? "file",
            Model.RunId ?? "",
            decider.Spec.ContentHash,
            Symbol,
            row.OpenTime,
            [.. qValues.Select(q => (double)q)],
            action,
            position.Quantity,
            time.GetUtcNow())
        {
            BarClose = row.TradedKline.Close,
        };
        var outcome = await port.ExecuteAsync(decision, row.TradedKline.Close, cancellationToken).ConfigureAwait(false);
        var bar = new DecidedBar(decision, outcome, row.TradedKline.Close);
        decided.Add(bar);
        return bar;
    }

    private void Take(LiveFeatureRow row)
    {
        decider.Push(row.Values, row.Complete);
        Remember(row);
        LastRow = row.OpenTime;
    }

    private void Remember(LiveFeatureRow row)
    {
        recentRows.Enqueue(row);
        while (recentRows.Count > decider.Spec.WindowLength)
        {
            recentRows.Dequeue();
        }
    }
}
