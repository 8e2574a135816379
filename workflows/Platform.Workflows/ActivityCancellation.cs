using Temporalio.Exceptions;

namespace Platform.Workflows;

/// <summary>For workflows that hold long-running activities and cancel them on purpose.</summary>
internal static class ActivityCancellation
{
    /// <summary>Waits for a cancelled activity to end; its cancellation is the expected outcome, any other failure is not.</summary>
    public static async Task AwaitCancelledAsync(Task activity)
    {
        try
        {
            await activity;
        }
        catch (ActivityFailureException e) when (e.InnerException is CanceledFailureException)
        {
            // The attempt was cancelled on purpose.
        }
        catch (CanceledFailureException)
        {
            // Same, reported without the activity wrapper.
        }
    }
}
