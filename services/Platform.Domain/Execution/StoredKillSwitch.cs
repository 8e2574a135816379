namespace Platform.Domain.Execution;

/// <summary>
/// The kill switch kept in the trading store: its state is the newest <see cref="KillSwitchEvent"/>, so every process
/// that shares the store (CLI, worker, dashboard, execution service) sees one switch, and every change is audited.
/// Engaging only records the event; the execution service checks <see cref="GetStateAsync"/> before every send and
/// cancels open orders when it finds the switch engaged.
/// </summary>
public sealed class StoredKillSwitch(ITradingStore store, TimeProvider? clock = null) : IKillSwitch
{
    private readonly ITradingStore store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public Task<KillSwitchEvent?> GetStateAsync(CancellationToken cancellationToken = default) => store.GetKillSwitchAsync(cancellationToken);

    public Task<KillSwitchEvent> EngageAsync(string by, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(engaged: true, by, reason, cancellationToken);

    public Task<KillSwitchEvent> ReleaseAsync(string by, string reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(engaged: false, by, reason, cancellationToken);

    private async Task<KillSwitchEvent> ChangeAsync(bool engaged, string by, string reason, CancellationToken cancellationToken)
    {
        var verb = engaged ? "Engaging" : "Releasing";
        if (string.IsNullOrWhiteSpace(by))
        {
            throw new InvalidRequestException($"{verb} the kill switch needs the name of who does it.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InvalidRequestException($"{verb} the kill switch needs a reason.");
        }

        var change = new KillSwitchEvent($"kill-{Guid.NewGuid():N}", engaged, by.Trim(), reason.Trim(), clock.GetUtcNow());
        await store.RecordKillSwitchAsync(change, cancellationToken).ConfigureAwait(false);
        return change;
    }
}
