using TorchSharp;

namespace Platform.Learning;

/// <summary>Process-wide TorchSharp settings. Small networks run fastest, and bit-reproducibly, on one intra-op thread.</summary>
public static class TorchRuntime
{
    /// <summary>Sets torch's intra-op thread count (1 = deterministic and lowest overhead for small networks).</summary>
    public static void UseThreads(int threads)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        }

        torch.set_num_threads(threads);
    }
}
