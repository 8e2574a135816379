using Platform.Domain;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// Maps the domain's invalid requests to Temporal: a non-retryable application failure of type
/// <see cref="InvalidRequestException.ErrorType"/> (retrying cannot fix the request). Only that type: any other
/// exception, an <see cref="ArgumentNullException"/> included, is a bug or a transient fault and stays retryable.
/// </summary>
internal static class InvalidRequestFailure
{
    public static ApplicationFailureException From(InvalidRequestException e, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new ApplicationFailureException(context is null ? e.Message : $"{context}: {e.Message}", InvalidRequestException.ErrorType, nonRetryable: true);
    }

    /// <summary>Runs an activity body, turning an invalid request anywhere in it into the non-retryable failure.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (InvalidRequestException e)
        {
            throw From(e);
        }
    }
}
