using System.CommandLine;
using System.Net.Sockets;
using Platform.Mlflow.Server;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary><c>platform mlflow server</c>: runs the local MLflow-compatible tracking and registry server.</summary>
internal static class MlflowCommands
{
    internal static Command Create()
    {
        var mlflow = new Command("mlflow", "MLflow tracking and model registry.");
        mlflow.Subcommands.Add(CreateServer());
        return mlflow;
    }

    private static Command CreateServer()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on (an IP address or localhost).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 5000 };
        var store = new Option<string>("--store") { Description = "Folder for mlflow.db (SQLite) and artifacts/.", DefaultValueFactory = _ => Path.Combine(".platform", "mlflow") };
        var server = new Command("server", "Run an MLflow-compatible server (REST API, artifact proxy, registry, read-only web view) until Ctrl+C.")
        {
            host,
            port,
            store,
        };
        server.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new MlflowServerOptions
            {
                Host = parseResult.GetValue(host)!,
                Port = parseResult.GetValue(port),
                StoreDirectory = parseResult.GetValue(store)!,
                LogToConsole = true,
            };
            try
            {
                options.Validate();
                await using var running = await MlflowLocalServer.StartAsync(options, cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"MLflow-compatible server on [bold]{running.BaseAddress}[/] (store [bold]{Path.GetFullPath(options.StoreDirectory)}[/]). Set MLFLOW_TRACKING_URI={running.BaseAddress.AbsoluteUri.TrimEnd('/')} for clients; Ctrl+C stops.");
                await running.WaitForShutdownAsync(cancellationToken);
                return 0;
            }
            catch (ArgumentException ex)
            {
                return Fail(ex.Message);
            }
            catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                return Fail($"cannot listen on {options.Host}:{options.Port}: {ex.Message}");
            }
            catch (UnauthorizedAccessException ex)
            {
                return Fail($"cannot use store '{options.StoreDirectory}': {ex.Message}");
            }
            catch (InvalidOperationException ex)
            {
                return Fail(ex.Message);
            }
        });
        return server;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"platform mlflow server: {message}");
        return 1;
    }
}
