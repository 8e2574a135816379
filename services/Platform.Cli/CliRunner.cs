using Platform.Domain;
using Platform.Mlflow;
using Platform.Mlflow.ModelFormat;

namespace Platform.Cli;

/// <summary>
/// Turns failures into one clear line and an exit code. Invalid requests (the domain's <see cref="InvalidRequestException"/>,
/// also when a workflow's activity refused one; missing files; unreachable services; requests MLflow rejects) exit 2 with
/// the message alone; anything else is a bug and exits 1 as an internal error that names the exception type
/// (PLATFORM_DEBUG=1 prints the stack trace).
/// </summary>
internal static class CliRunner
{
    public const int UserError = 2;

    public const int InternalError = 1;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            WriteError(e is MlflowException mlflow ? $"MLflow rejected the request ({mlflow.ErrorCode}): {e.Message}" : e.Message);
            return UserError;
        }
        catch (MlflowException e)
        {
            WriteError($"the MLflow server failed ({e.ErrorCode}): {e.Message}");
            return InternalError;
        }
        catch (Temporalio.Exceptions.WorkflowFailedException e) when (IsInvalidRequestFailure(e))
        {
            // An activity or the workflow refused the request itself: the same as a local invalid request.
            WriteError(e.GetBaseException().Message);
            return UserError;
        }
        catch (OperationCanceledException)
        {
            WriteError("cancelled");
            return 130;
        }
        catch (Temporalio.Exceptions.WorkflowFailedException e) when (Environment.GetEnvironmentVariable("PLATFORM_DEBUG") is null)
        {
            // The useful part of a workflow failure is its innermost cause (an activity's or the workflow's own error).
            WriteError($"workflow failed: {e.GetBaseException().Message}");
            return InternalError;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("PLATFORM_DEBUG") is null)
        {
            WriteError($"internal error ({e.GetType().Name}): {e.Message} — this is a bug; set PLATFORM_DEBUG=1 for the stack trace");
            return InternalError;
        }
    }

    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();

    /// <summary>One error line on stderr, so that stdout stays the command's output.</summary>
    public static void WriteError(string message) => Console.Error.WriteLine($"error: {message}");

    internal static bool IsUserError(Exception e) =>
        e is InvalidRequestException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            or InvalidDataException or Platform.Binance.BinanceApiException or Platform.Binance.BinanceConfigurationException or HttpRequestException or MlflowConfigurationException
            or PlatformModelFormatException
            || (e is MlflowException mlflow && (int)mlflow.StatusCode is >= 400 and < 500);

    private static bool IsInvalidRequestFailure(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is Temporalio.Exceptions.ApplicationFailureException { ErrorType: InvalidRequestException.ErrorType })
            {
                return true;
            }
        }

        return false;
    }
}
