using System.Diagnostics;
using Platform.Cli.Commands;
using Platform.Mlflow;
using Platform.Mlflow.Server;
using Platform.Mlflow.Server.Security;
using Platform.Workflows;
using Platform.Worker;
using Spectre.Console;
using Temporalio.Client;

namespace Platform.Cli.Tests;

/// <summary>MLflow credentials reach every client of the platform, and never its output.</summary>
public sealed class CredentialTests : IDisposable
{
    private const string Password = "worker-secret-42";
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task Runtime_MlflowRequiresBasicAuth_EveryRequestOfTheLifecycleCarriesTheCredentials()
    {
        await using var server = await MlflowLocalServer.StartAsync(new MlflowServerOptions
        {
            Port = 0,
            StoreDirectory = context.PathOf("mlflow"),
            BasicAuth = new BasicAuthOptions { AdminUsername = "worker", AdminPassword = Password },
        });
        var users = new List<string?>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MlflowLocalServer.InstrumentationName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                lock (users)
                {
                    users.Add(activity.GetTagItem("enduser.id") as string);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var mlflow = new MlflowClientOptions { TrackingUri = new UriBuilder(server.BaseAddress) { UserName = "worker", Password = Password }.Uri };
        await using var runtime = await PlatformRuntime.StartAsync(new PlatformOptions { DataDirectory = context.PathOf("state"), EmbeddedTemporalPort = 0, InMemoryTemporal = true, Mlflow = mlflow });
        var request = LifecycleDefaults.Retraining("auth-model", 42, DemoCommand.DemoThresholds, TimeSpan.FromHours(1), LifecycleDefaults.BundledEnd, "auth-test");

        var result = await runtime.Client.ExecuteWorkflowAsync((RetrainingWorkflow w) => w.RunAsync(request), new WorkflowOptions($"auth-{Guid.NewGuid():N}", runtime.Options.TaskQueue));
        using var client = runtime.CreateMlflowClient();
        var champion = await client.GetModelVersionByAliasAsync("auth-model", "champion");

        Assert.Equal(PromotionWorkflow.Stage.Promoted, result.Promotion.Outcome);
        Assert.Equal(result.Promotion.ChallengerVersion, champion.Version);
        Assert.DoesNotContain(Password, runtime.MlflowUri.AbsoluteUri, StringComparison.Ordinal);
        lock (users)
        {
            Assert.True(users.Count > 20, $"only {users.Count} MLflow requests seen");
            Assert.All(users, user => Assert.Equal("worker", user));
        }
    }

    [Fact]
    public async Task Status_TokenWithUsernameAndPassword_OneLineErrorExit2()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        string?[] saved = [.. Variables.Select(Environment.GetEnvironmentVariable)];
        try
        {
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", "http://127.0.0.1:1");
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_TOKEN", "token");
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_USERNAME", "ana");
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_PASSWORD", "pw-not-printed");

            var (exit, _, error) = await CliTestContext.RunCapturedAsync("status", "--data-dir", context.PathOf("state"));

            Assert.Equal(2, exit);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("MLFLOW_TRACKING_TOKEN", line, StringComparison.Ordinal);
            Assert.DoesNotContain("pw-not-printed", line, StringComparison.Ordinal);
        }
        finally
        {
            AnsiConsole.Console = console;
            for (var i = 0; i < Variables.Length; i++)
            {
                Environment.SetEnvironmentVariable(Variables[i], saved[i]);
            }
        }
    }

    [Fact]
    public void WithEnvironment_PasswordInTrackingUri_IsSentButNeverInThePrintableAddress()
    {
        var options = new PlatformOptions().WithEnvironment(name => name == "MLFLOW_TRACKING_URI" ? "http://ana:hunter22@mlflow.example:5000" : null);

        Assert.Equal("Basic", options.Mlflow!.Authorization()!.Scheme);
        Assert.Equal("http://mlflow.example:5000/", options.Mlflow.ServerUri.AbsoluteUri);
        Assert.Equal("http://***@mlflow.example:5000", UriRedaction.Redact(options.Mlflow.TrackingUri));
    }

    private static readonly string[] Variables = ["MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"];
}
