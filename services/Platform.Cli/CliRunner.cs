using Platform.Domain.MarketData;
using Spectre.Console;

namespace Platform.Cli;

/// <summary>Turns user errors into one clear message and a non-zero exit code, never a stack trace.</summary>
internal static class CliRunner
{
    public const int UserError = 2;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            WriteError(e.Message);
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
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("PLATFORM_DEBUG") is null)
        {
            WriteError($"{e.GetType().Name}: {e.Message} (set PLATFORM_DEBUG=1 for details)");
            return 1;
        }
    }

    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();

    public static void WriteError(string message) =>
        AnsiConsole.Console.MarkupLineInterpolated(System.Globalization.CultureInfo.InvariantCulture, $"[red]error:[/] {message}");

    private static bool IsUserError(Exception e) =>
        e is ArgumentException or FormatException or MarketDataFormatException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or KeyNotFoundException or InvalidDataException
            or Platform.Binance.BinanceApiException or Platform.Binance.BinanceConfigurationException or HttpRequestException;
}
