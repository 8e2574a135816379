using System.Runtime.InteropServices;

namespace Platform.Learning.Replay;

/// <summary>
/// A ring buffer of transitions (s, a, r, s′, done) in preallocated float arrays: adding and sampling allocate nothing
/// and create no tensors. When full, the oldest transition is overwritten. Sampling is uniform with replacement from a
/// caller-supplied <see cref="Random"/>, so a seed fixes the sequence of batches.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly float[] states;
    private readonly float[] nextStates;
    private readonly long[] actions;
    private readonly float[] rewards;
    private readonly float[] dones;
    private int next;

    public ReplayBuffer(int capacity, int stateSize)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Replay capacity must be at least 1.");
        }

        if (stateSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stateSize), stateSize, "State size must be at least 1.");
        }

        if ((long)capacity * stateSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"Replay of {capacity} states of {stateSize} floats does not fit in memory arrays.");
        }

        Capacity = capacity;
        StateSize = stateSize;
        states = new float[capacity * stateSize];
        nextStates = new float[capacity * stateSize];
        actions = new long[capacity];
        rewards = new float[capacity];
        dones = new float[capacity];
    }

    public int Capacity { get; }

    public int StateSize { get; }

    public int Count { get; private set; }

    /// <summary>Transitions added since creation (including overwritten ones).</summary>
    public long TotalAdded { get; private set; }

    public void Add(ReadOnlySpan<float> state, int action, float reward, ReadOnlySpan<float> nextState, bool done)
    {
        if (state.Length != StateSize || nextState.Length != StateSize)
        {
            throw new ArgumentException($"States must have {StateSize} floats (got {state.Length} and {nextState.Length}).");
        }

        if (action < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "Actions are non-negative indices.");
        }

        if (!float.IsFinite(reward))
        {
            throw new ArgumentOutOfRangeException(nameof(reward), reward, "Rewards must be finite.");
        }

        state.CopyTo(states.AsSpan(next * StateSize, StateSize));
        nextState.CopyTo(nextStates.AsSpan(next * StateSize, StateSize));
        actions[next] = action;
        rewards[next] = reward;
        dones[next] = done ? 1f : 0f;
        next = (next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
        TotalAdded++;
    }

    /// <summary>
    /// Draws <c>batch.Size</c> stored transitions uniformly (with replacement) into <paramref name="batch"/>'s spans.
    /// The indices drawn are written to <paramref name="indices"/> when given (for tests and diagnostics).
    /// </summary>
    public void Sample(Random random, TransitionBatchSpans batch, Span<int> indices = default)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (Count == 0)
        {
            throw new InvalidOperationException("Cannot sample from an empty replay buffer.");
        }

        var size = batch.Actions.Length;
        if (batch.States.Length != size * StateSize || batch.NextStates.Length != size * StateSize ||
            batch.Rewards.Length != size || batch.Dones.Length != size)
        {
            throw new ArgumentException("Batch spans do not match one batch size and the buffer's state size.", nameof(batch));
        }

        if (!indices.IsEmpty && indices.Length != size)
        {
            throw new ArgumentException("The index span must have one slot per sampled transition.", nameof(indices));
        }

        for (var i = 0; i < size; i++)
        {
            var index = random.Next(Count);
            if (!indices.IsEmpty)
            {
                indices[i] = index;
            }

            states.AsSpan(index * StateSize, StateSize).CopyTo(batch.States.Slice(i * StateSize, StateSize));
            nextStates.AsSpan(index * StateSize, StateSize).CopyTo(batch.NextStates.Slice(i * StateSize, StateSize));
            batch.Actions[i] = actions[index];
            batch.Rewards[i] = rewards[index];
            batch.Dones[i] = dones[index];
        }
    }

    /// <summary>Writes the stored transitions and the ring position: everything later adds and samples depend on.</summary>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Capacity);
        writer.Write(StateSize);
        writer.Write(Count);
        writer.Write(next);
        writer.Write(TotalAdded);

        // Slots [0, Count) are the filled ones: the ring fills from 0 and only wraps once full.
        writer.Write(MemoryMarshal.AsBytes(states.AsSpan(0, Count * StateSize)));
        writer.Write(MemoryMarshal.AsBytes(nextStates.AsSpan(0, Count * StateSize)));
        writer.Write(MemoryMarshal.AsBytes(actions.AsSpan(0, Count)));
        writer.Write(MemoryMarshal.AsBytes(rewards.AsSpan(0, Count)));
        writer.Write(MemoryMarshal.AsBytes(dones.AsSpan(0, Count)));
    }

    /// <summary>Replaces the contents with what <see cref="Save"/> wrote (same capacity and state size required).</summary>
    public void Restore(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var capacity = reader.ReadInt32();
        var stateSize = reader.ReadInt32();
        if (capacity != Capacity || stateSize != StateSize)
        {
            throw new InvalidDataException($"The saved replay holds {capacity} states of {stateSize} floats; this buffer {Capacity} of {StateSize}.");
        }

        var count = reader.ReadInt32();
        var position = reader.ReadInt32();
        var totalAdded = reader.ReadInt64();
        if (count < 0 || count > Capacity || position < 0 || position >= Capacity || totalAdded < count)
        {
            throw new InvalidDataException($"The saved replay is inconsistent (count {count}, position {position}, added {totalAdded}).");
        }

        ReadExactly(reader, MemoryMarshal.AsBytes(states.AsSpan(0, count * StateSize)));
        ReadExactly(reader, MemoryMarshal.AsBytes(nextStates.AsSpan(0, count * StateSize)));
        ReadExactly(reader, MemoryMarshal.AsBytes(actions.AsSpan(0, count)));
        ReadExactly(reader, MemoryMarshal.AsBytes(rewards.AsSpan(0, count)));
        ReadExactly(reader, MemoryMarshal.AsBytes(dones.AsSpan(0, count)));
        Count = count;
        next = position;
        TotalAdded = totalAdded;
    }

    private static void ReadExactly(BinaryReader reader, Span<byte> destination)
    {
        // A compressed stream may return fewer bytes per read than asked for.
        try
        {
            reader.BaseStream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The saved replay is truncated.", e);
        }
    }

    /// <summary>The stored transition at <paramref name="index"/> (0 ≤ index &lt; Count), by storage slot.</summary>
    public (float[] State, int Action, float Reward, float[] NextState, bool Done) Get(int index)
    {
        if (index < 0 || index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The buffer holds {Count} transitions.");
        }

        return (
            states.AsSpan(index * StateSize, StateSize).ToArray(),
            (int)actions[index],
            rewards[index],
            nextStates.AsSpan(index * StateSize, StateSize).ToArray(),
            dones[index] != 0f);
    }
}

/// <summary>Destination of one sampled batch: row-major states [size × stateSize], actions, rewards, dones (1 = terminal).</summary>
public readonly ref struct TransitionBatchSpans(Span<float> states, Span<long> actions, Span<float> rewards, Span<float> nextStates, Span<float> dones)
{
    public Span<float> States { get; } = states;

    public Span<long> Actions { get; } = actions;

    public Span<float> Rewards { get; } = rewards;

    public Span<float> NextStates { get; } = nextStates;

    public Span<float> Dones { get; } = dones;
}
