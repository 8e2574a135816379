namespace Platform.Domain;

/// <summary>
/// A request that cannot be carried out as asked: a bad option value, a range without data, a file that is not what it
/// claims to be. The message is written for the person who made the request. Callers map exactly this type to a user
/// error (the CLI: exit 2; activities: a non-retryable failure); any other exception, including an
/// <see cref="ArgumentException"/> from a broken invariant, is a bug and surfaces as an internal error.
/// </summary>
public class InvalidRequestException : Exception
{
    /// <summary>The failure type an invalid request carries across processes (Temporal application failures).</summary>
    public const string ErrorType = "InvalidRequest";

    public InvalidRequestException()
        : this("invalid request")
    {
    }

    public InvalidRequestException(string message)
        : base(message)
    {
    }

    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
