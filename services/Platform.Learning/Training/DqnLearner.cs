using Platform.Learning.Networks;
using Platform.Learning.Replay;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Training;

/// <summary>Which of the two networks answers a query.</summary>
public enum NetworkRole
{
    /// <summary>The network being trained.</summary>
    Policy,

    /// <summary>The slowly refreshed copy: bootstrap targets, and the acting network in online learning.</summary>
    Target,
}

/// <summary>
/// Deep Q-learning with a policy network (trained by Adam on Huber loss) and a target network (synced every K updates or
/// by Polyak averaging). Batches are copied from the <see cref="ReplayBuffer"/> into tensors allocated once; every update
/// and query runs in its own dispose scope, so memory stays flat however long training runs.
/// </summary>
public sealed class DqnLearner : IDisposable
{
    private const int InferenceChunk = 8192;

    private readonly DqnOptions options;
    private readonly Adam optimizer;
    private readonly Parameter[] policyParameters;
    private SeededRandom sampler;
    private readonly Tensor batchStates;
    private readonly Tensor batchNextStates;
    private readonly Tensor batchActions;
    private readonly Tensor batchRewards;
    private readonly Tensor batchDones;
    private readonly Tensor singleState;
    private bool policyTraining = true;


    /// <param name="initialWeights">Start from these weights (e.g. a checkpoint) instead of a fresh seeded initialisation.</param>
    public DqnLearner(DqnOptions options, QNetwork? initialWeights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        this.options = options;
        var spec = options.Network;
        Policy = QNetwork.Create(spec, options.Seed);
        Target = QNetwork.Create(spec, options.Seed);
        if (initialWeights is not null)
        {
            Policy.CopyWeightsFrom(initialWeights);
        }

        Target.CopyWeightsFrom(Policy);
        Target.eval();
        foreach (var parameter in Target.parameters())
        {
            parameter.requires_grad = false;
        }

        policyParameters = [.. Policy.parameters()];
        optimizer = torch.optim.Adam(policyParameters, options.LearningRate);
        sampler = new SeededRandom(options.Seed);

        long[] batchShape = [options.BatchSize, spec.StateSize];
        batchStates = torch.zeros(batchShape);
        batchNextStates = torch.zeros(batchShape);
        batchActions = torch.zeros([options.BatchSize], ScalarType.Int64);
        batchRewards = torch.zeros([options.BatchSize]);
        batchDones = torch.zeros([options.BatchSize]);
        singleState = torch.zeros([1, spec.StateSize]);
    }

    public DqnOptions Options => options;

    public QNetwork Policy { get; }

    public QNetwork Target { get; }

    /// <summary>Gradient updates done so far.</summary>
    public long Updates { get; private set; }

    /// <summary>Hard syncs of the target network done so far (not counting the initial copy).</summary>
    public long TargetSyncs { get; private set; }

    /// <summary>
    /// One gradient step on a batch drawn from <paramref name="replay"/>: Huber(Q_policy(s,a), r + γ·(1−done)·Q_target(s′, a*))
    /// with a* = argmax Q_target(s′) (or argmax Q_policy(s′) for double DQN); Adam step; clipping; then the target is
    /// synced when due. Returns the loss.
    /// </summary>
    public float Update(ReplayBuffer replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (replay.StateSize != options.Network.StateSize)
        {
            throw new ArgumentException($"The replay stores states of {replay.StateSize} floats; the network takes {options.Network.StateSize}.", nameof(replay));
        }

        replay.Sample(sampler, new TransitionBatchSpans(
            Floats(batchStates), TensorMemory.Longs(batchActions), Floats(batchRewards), Floats(batchNextStates), Floats(batchDones)));

        float loss;
        using (var scope = torch.NewDisposeScope())
        {
            SetPolicyTraining(true);
            var predicted = Policy.forward(batchStates).gather(1, batchActions.unsqueeze(1)).squeeze(1);
            Tensor target;
            using (torch.no_grad())
            {
                var nextTarget = Target.forward(batchNextStates);
                Tensor nextValue;
                if (options.DoubleDqn)
                {
                    var nextAction = Policy.forward(batchNextStates).argmax(1, keepdim: true);
                    nextValue = nextTarget.gather(1, nextAction).squeeze(1);
                }
                else
                {
                    nextValue = nextTarget.max(1).values;
                }

                target = batchRewards + (options.Gamma * nextValue * (1 - batchDones));
            }

            var lossTensor = DqnLoss.Huber(predicted, target, options.HuberDelta);
            optimizer.zero_grad();
            lossTensor.backward();
            if (options.GradientClipNorm is { } clip)
            {
                torch.nn.utils.clip_grad_norm_(policyParameters, clip);
            }

            optimizer.step();
            loss = lossTensor.item<float>();
        }

        Updates++;
        if (options.PolyakTau is { } tau)
        {
            Target.BlendWeightsFrom(Policy, tau);
        }
        else if (Updates % options.TargetSyncInterval == 0)
        {
            SyncTarget();
        }

        LearningInstrumentation.Updates.Add(1);
        return loss;
    }

    /// <summary>
    /// Writes what the next update depends on besides the two networks' weights: Adam's moments and step counts, the
    /// batch sampler's generator state, and the update and sync counters.
    /// </summary>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Updates);
        writer.Write(TargetSyncs);
        foreach (var word in sampler.State)
        {
            writer.Write(word);
        }

        using var optimizerState = new MemoryStream();
        using (var optimizerWriter = new BinaryWriter(optimizerState, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            optimizer.save_state_dict(optimizerWriter);
        }

        writer.Write(optimizerState.Length);
        writer.Write(optimizerState.GetBuffer(), 0, (int)optimizerState.Length);
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the networks' weights are restored separately.</summary>
    public void RestoreState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Updates = reader.ReadInt64();
        TargetSyncs = reader.ReadInt64();
        sampler = SeededRandom.FromState([reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64()]);
        var length = reader.ReadInt64();
        var bytes = reader.ReadBytes(checked((int)length));
        if (bytes.Length != length)
        {
            throw new InvalidDataException("The saved learner state is truncated.");
        }

        using var optimizerReader = new BinaryReader(new MemoryStream(bytes));
        optimizer.load_state_dict(optimizerReader);
    }

    /// <summary>Copies the policy network's weights into the target network.</summary>
    public void SyncTarget()
    {
        Target.CopyWeightsFrom(Policy);
        TargetSyncs++;
    }

    /// <summary>argmax_a Q(state, a) of the chosen network for one state of <see cref="QNetworkSpec.StateSize"/> floats.</summary>
    public int GreedyAction(ReadOnlySpan<float> state, NetworkRole role)
    {
        CheckStates(state, 1);
        state.CopyTo(Floats(singleState));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        if (role == NetworkRole.Policy)
        {
            SetPolicyTraining(false);
        }

        var network = NetworkFor(role);
        return (int)network.forward(singleState).argmax(1).item<long>();
    }

    /// <summary>Q-values of <paramref name="count"/> states (row-major) into <paramref name="destination"/> [count × actions], in large batches.</summary>
    public void QValues(ReadOnlySpan<float> states, int count, Span<float> destination, NetworkRole role)
    {
        if (role == NetworkRole.Policy)
        {
            SetPolicyTraining(false);
        }

        ComputeQValues(NetworkFor(role), states, count, destination);
    }

    /// <summary>Batched Q-values of any network (no gradients), used for greedy backtests.</summary>
    public static void ComputeQValues(QNetwork network, ReadOnlySpan<float> states, int count, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        if (states.Length != count * spec.StateSize || destination.Length != count * spec.ActionCount)
        {
            throw new ArgumentException($"Expected {count} states of {spec.StateSize} floats and room for {count * spec.ActionCount} Q-values.");
        }

        network.eval();
        using var noGrad = torch.no_grad();
        for (var start = 0; start < count; start += InferenceChunk)
        {
            var rows = Math.Min(InferenceChunk, count - start);
            using var scope = torch.NewDisposeScope();
            var input = torch.empty([rows, spec.StateSize]);
            states.Slice(start * spec.StateSize, rows * spec.StateSize).CopyTo(Floats(input));
            var q = network.forward(input).contiguous();
            Floats(q).CopyTo(destination.Slice(start * spec.ActionCount, rows * spec.ActionCount));
        }
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Policy.Dispose();
        Target.Dispose();
        batchStates.Dispose();
        batchNextStates.Dispose();
        batchActions.Dispose();
        batchRewards.Dispose();
        batchDones.Dispose();
        singleState.Dispose();
    }

    /// <summary>Switches the policy network's mode only when it changes: each switch walks every submodule natively.</summary>
    private void SetPolicyTraining(bool training)
    {
        if (policyTraining == training)
        {
            return;
        }

        if (training)
        {
            Policy.train();
        }
        else
        {
            Policy.eval();
        }

        policyTraining = training;
    }

    private QNetwork NetworkFor(NetworkRole role) => role == NetworkRole.Target ? Target : Policy;

    private void CheckStates(ReadOnlySpan<float> states, int count)
    {
        if (states.Length != count * options.Network.StateSize)
        {
            throw new ArgumentException($"Expected {count} state(s) of {options.Network.StateSize} floats (got {states.Length} floats).");
        }
    }

    private static Span<float> Floats(Tensor tensor) => TensorMemory.Floats(tensor);
}
