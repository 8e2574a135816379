using Platform.Domain.Trading;

namespace Platform.Learning.Agents;

/// <summary>Chooses the action for a state (window + position) at an observation.</summary>
public delegate TradeAction ChooseAction(ReadOnlySpan<float> state, in Observation observation);

/// <summary>Receives one transition (s, a, r, s′, done); on the last row s′ is s.</summary>
public delegate void TransitionSink(ReadOnlySpan<float> state, int action, float reward, ReadOnlySpan<float> nextState, bool done);

/// <summary>
/// The one loop that steps a <see cref="TradingEnvironment"/> with an agent and collects its transitions: training
/// epochs, online-learning trading and the replay history before it all run through it. Rows without a full feature
/// window are held and yield no transition. Rewards are the environment's equity change scaled by
/// <see cref="DqnTrainer.Reward"/>.
/// </summary>
public static class TransitionLoop
{
    /// <returns>The number of transitions produced.</returns>
    public static int Run(TradingEnvironment env, AgentStates states, double rewardScale, ChooseAction choose, TransitionSink sink, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(env);
        return Run(env, states, new RewardShaper(new DqnAgentOptions { RewardScale = rewardScale }, env.Options), choose, sink, cancellation);
    }

    /// <summary>The same loop with the rewards of a <see cref="RewardShaper"/> (one per episode: it tracks the episode's equity).</summary>
    public static int Run(TradingEnvironment env, AgentStates states, RewardShaper rewards, ChooseAction choose, TransitionSink sink, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(choose);
        ArgumentNullException.ThrowIfNull(sink);
        var state = new float[states.StateSize];
        var next = new float[states.StateSize];
        var observation = env.Reset();
        var transitions = 0;
        while (!env.Done)
        {
            cancellation.ThrowIfCancellationRequested();
            if (observation.Row < states.FirstObservableRow)
            {
                observation = env.Step(TradeAction.Hold).Next;
                continue;
            }

            states.Write(observation.Row, observation.OpenLots, state);
            var action = choose(state, observation);
            var result = env.Step(action);
            if (!result.Done)
            {
                states.Write(result.Next.Row, result.Next.OpenLots, next);
            }

            sink(state, (int)action, rewards.Next(result), result.Done ? state : next, result.Done);
            transitions++;
            observation = result.Next;
        }

        return transitions;
    }
}
