namespace Platform.Domain.Execution;

/// <summary>
/// The kill switch as every surface (CLI, Temporal update, dashboard) uses it. Engaging blocks new orders and cancels
/// open ones; only a named person's release lifts it. Every change is a <see cref="KillSwitchEvent"/> in the store.
/// </summary>
public interface IKillSwitch
{
    /// <summary>The newest event, or null when the switch was never touched (trading allowed).</summary>
    Task<KillSwitchEvent?> GetStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Engages the switch; <paramref name="by"/> and <paramref name="reason"/> are required (InvalidRequestException otherwise).</summary>
    Task<KillSwitchEvent> EngageAsync(string by, string reason, CancellationToken cancellationToken = default);

    /// <summary>Lifts the switch; a person's name and a reason are required.</summary>
    Task<KillSwitchEvent> ReleaseAsync(string by, string reason, CancellationToken cancellationToken = default);
}
