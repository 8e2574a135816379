using Platform.Domain;
using Platform.Domain.Trading;
using Platform.Learning.Replay;
using Platform.Learning.Training;

namespace Platform.Learning.Agents;

/// <summary>
/// The paper's Target-Policy continuous learning. The target network acts (greedily); each observed transition goes to
/// the replay buffer and the policy network takes gradient steps; every <see cref="OnlineLearningOptions.SyncEverySteps"/>
/// observed steps the target network is refreshed from the policy network. Between syncs the acting network is untouched.
/// </summary>
public sealed class OnlineLearner : IDisposable
{
    private readonly OnlineLearningOptions options;
    private readonly ReplayBuffer replay;

    public OnlineLearner(DqnModel model, OnlineLearningOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid online learning options: " + string.Join("; ", errors));
        }

        this.options = options;

        // Syncs follow observed steps (below), not the learner's update count; warm-up only needs one batch.
        var dqn = model.Metadata.Dqn with
        {
            Network = model.Network.Spec,
            TargetSyncInterval = int.MaxValue,
            PolyakTau = null,
            WarmupTransitions = model.Metadata.Dqn.BatchSize,
        };
        Learner = new DqnLearner(dqn, model.Network);
        replay = new ReplayBuffer(dqn.ReplayCapacity, dqn.Network.StateSize);
    }

    public DqnLearner Learner { get; }

    public long Steps { get; private set; }

    public int ReplayCount => replay.Count;

    /// <summary>The acting (target) network's greedy action.</summary>
    public TradeAction Act(ReadOnlySpan<float> state) => (TradeAction)Learner.GreedyAction(state, NetworkRole.Target);

    /// <summary>Adds history to the replay buffer before trading starts: no updates, no step counted.</summary>
    public void AddHistory(ReadOnlySpan<float> state, int action, float reward, ReadOnlySpan<float> nextState, bool done) =>
        replay.Add(state, action, reward, nextState, done);

    /// <summary>Learns from one new transition: replay, policy updates, and a target refresh when due.</summary>
    public void Observe(ReadOnlySpan<float> state, int action, float reward, ReadOnlySpan<float> nextState, bool done)
    {
        replay.Add(state, action, reward, nextState, done);
        Steps++;
        if (replay.Count >= Learner.Options.BatchSize)
        {
            for (var i = 0; i < options.UpdatesPerStep; i++)
            {
                Learner.Update(replay);
            }
        }

        if (Steps % options.SyncEverySteps == 0)
        {
            Learner.SyncTarget();
        }
    }

    public void Dispose() => Learner.Dispose();
}
