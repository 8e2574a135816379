using Platform.Learning.Replay;

namespace Platform.Learning.Tests;

public class ReplayBufferTests
{
    private static ReplayBuffer Filled(int capacity, int added)
    {
        var buffer = new ReplayBuffer(capacity, stateSize: 2);
        for (var i = 0; i < added; i++)
        {
            buffer.Add([i, -i], i % 3, i * 10f, [i + 1, -(i + 1)], done: i % 5 == 4);
        }

        return buffer;
    }

    [Fact]
    public void Add_BeyondCapacity_OverwritesOldestAndKeepsCount()
    {
        var buffer = Filled(capacity: 4, added: 6);

        Assert.Equal(4, buffer.Count);
        Assert.Equal(6, buffer.TotalAdded);
        var slots = Enumerable.Range(0, 4).Select(i => (int)buffer.Get(i).State[0]).Order().ToArray();
        Assert.Equal(new[] { 2, 3, 4, 5 }, slots);
    }

    [Fact]
    public void Sample_SameSeed_SameBatchAndConsistentTransitions()
    {
        var buffer = Filled(capacity: 100, added: 50);
        var first = SampleWithSeed(buffer, 7);
        var second = SampleWithSeed(buffer, 7);

        Assert.Equal(first.Indices, second.Indices);
        Assert.Equal(first.States, second.States);
        for (var i = 0; i < first.Indices.Length; i++)
        {
            var stored = buffer.Get(first.Indices[i]);
            Assert.Equal(stored.State, first.States.AsSpan(i * 2, 2).ToArray());
            Assert.Equal(stored.NextState, first.NextStates.AsSpan(i * 2, 2).ToArray());
            Assert.Equal(stored.Action, first.Actions[i]);
            Assert.Equal(stored.Reward, first.Rewards[i]);
            Assert.Equal(stored.Done ? 1f : 0f, first.Dones[i]);
        }
    }

    [Fact]
    public void Sample_ManyDraws_CoversOnlyStoredSlotsRoughlyUniformly()
    {
        var buffer = Filled(capacity: 100, added: 10);
        var counts = new int[10];
        var random = new Random(3);
        var indices = new int[64];
        for (var round = 0; round < 200; round++)
        {
            var batch = new Batch(64, 2);
            buffer.Sample(random, batch.Spans, indices);
            foreach (var index in indices)
            {
                counts[index]++;
            }
        }

        // 12,800 draws over 10 slots: each expected 1,280; a uniform sampler stays well within ±20%.
        Assert.All(counts, c => Assert.InRange(c, 1024, 1536));
    }

    [Fact]
    public void Sample_EmptyBuffer_Throws()
    {
        var buffer = new ReplayBuffer(8, 2);
        var batch = new Batch(4, 2);

        Assert.Throws<InvalidOperationException>(() => buffer.Sample(new Random(1), batch.Spans));
    }

    [Fact]
    public void Add_WrongStateSize_ThrowsAndStoresNothing()
    {
        var buffer = new ReplayBuffer(8, 2);

        Assert.Throws<ArgumentException>(() => buffer.Add([1f, 2f, 3f], 0, 0f, [1f, 2f], false));
        Assert.Equal(0, buffer.Count);
    }

    private static Batch SampleWithSeed(ReplayBuffer buffer, int seed)
    {
        var batch = new Batch(16, buffer.StateSize);
        buffer.Sample(new Random(seed), batch.Spans, batch.Indices);
        return batch;
    }

    private sealed class Batch(int size, int stateSize)
    {
        public float[] States { get; } = new float[size * stateSize];

        public long[] Actions { get; } = new long[size];

        public float[] Rewards { get; } = new float[size];

        public float[] NextStates { get; } = new float[size * stateSize];

        public float[] Dones { get; } = new float[size];

        public int[] Indices { get; } = new int[size];

        public TransitionBatchSpans Spans => new(States, Actions, Rewards, NextStates, Dones);
    }
}
