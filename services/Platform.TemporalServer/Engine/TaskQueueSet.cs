using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Platform.TemporalServer.Engine;

internal enum TaskKind
{
    Workflow,
    Query,
    Activity,
}

/// <summary>A reference to dispatchable work; the engine re-validates it under its lock when a poller takes it.</summary>
internal sealed record TaskRef(TaskKind Kind, string Id, long Key = 0, int Attempt = 0);

/// <summary>Task queues by (namespace, name): unbounded channels that long-polling workers read from.</summary>
internal sealed class TaskQueueSet
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), Channel<TaskRef>> _queues = new();

    public void Enqueue(string ns, string name, TaskRef task) => Get(ns, name).Writer.TryWrite(task);

    /// <summary>Waits up to <paramref name="timeout"/> for a task; null when none arrived.</summary>
    public async Task<TaskRef?> DequeueAsync(string ns, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reader = Get(ns, name).Reader;
        if (reader.TryRead(out var ready))
        {
            return ready;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Approximate number of tasks waiting (used by describe and benchmarks).</summary>
    public int Backlog(string ns, string name) => _queues.TryGetValue((ns, name), out var queue) ? queue.Reader.Count : 0;

    private Channel<TaskRef> Get(string ns, string name) =>
        _queues.GetOrAdd((ns, name), static _ => Channel.CreateUnbounded<TaskRef>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false }));
}
