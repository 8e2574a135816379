namespace Platform.LiveTrading;

/// <summary>The streaming services' main loop: one batch after another until cancelled (a normal stop) or done.</summary>
internal static class ServiceLoop
{
    private static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(100);

    public static async Task RunAsync(Func<TimeSpan, CancellationToken, Task<int>> processBatch, Func<bool> done, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !done())
        {
            try
            {
                await processBatch(BatchWait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
