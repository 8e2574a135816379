using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Workflows;
using Spectre.Console;
using Temporalio.Client;
using Temporalio.Client.Schedules;

namespace Platform.Cli.Commands;

/// <summary>Retraining on demand (`platform retrain`) and on a Temporal Schedule (`platform schedule ...`).</summary>
internal static class RetrainingCommands
{
    public static IEnumerable<Command> Create() => [Retrain(), Schedule()];

    private static Option<string?> AsOf() => new("--as-of") { Description = "Pretend it is this UTC time (e.g. 2023-01-01 for the bundled data); default: when the workflow runs" };

    private static Option<string> Model() => new("--model") { Description = "Registered model name", DefaultValueFactory = _ => LifecycleDefaults.ModelName };

    private static Command Retrain()
    {
        var model = Model();
        var asOf = AsOf();
        var seed = CommonOptions.Seed();
        var command = new Command("retrain", "Start backfill → training → promotion now (the promotion then waits for 'platform approve')") { model, asOf, seed };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var name = parse.GetValue(model)!;
            var request = LifecycleDefaults.Retraining(name, parse.GetValue(seed), LifecycleDefaults.Thresholds, TimeSpan.FromHours(72), CommonOptions.ParseTime(parse.GetValue(asOf), "--as-of"), null);
            var client = await LifecycleCommands.ConnectAsync();
            var id = $"{LifecycleDefaults.RetrainingWorkflowId(name)}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}";
            await TemporalCalls.RetryAsync("start the retraining", () => client.StartWorkflowAsync((RetrainingWorkflow w) => w.RunAsync(request), TemporalCalls.StartOptions(id)), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"started [blue]{id}[/]; follow it with ./platform status");
            return 0;
        }));
        return command;
    }

    private static Command Schedule()
    {
        var schedule = new Command("schedule", "The retraining schedule (a Temporal Schedule)");
        var model = Model();
        var every = new Option<double>("--every-hours") { Description = "Interval between retrainings", DefaultValueFactory = _ => 168 };
        var seed = CommonOptions.Seed();
        var create = new Command("create", "Create or replace the retraining schedule (weekly by default)") { model, every, seed };
        create.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var hours = parse.GetValue(every);
            if (hours < 1)
            {
                throw new InvalidRequestException("--every-hours must be at least 1");
            }

            var name = parse.GetValue(model)!;
            var client = await LifecycleCommands.ConnectAsync();
            var handle = await TemporalCalls.RetryAsync("create the schedule", () => UpsertAsync(client, name, TimeSpan.FromHours(hours), parse.GetValue(seed)), cancellation);
            var description = await TemporalCalls.RetryAsync("describe the schedule", () => handle.DescribeAsync(), cancellation);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"schedule [blue]{handle.Id}[/]: every {hours} h, next run {description.Info.NextActionTimes.FirstOrDefault():yyyy-MM-dd HH:mm} UTC");
            return 0;
        }));
        var deleteModel = Model();
        var delete = new Command("delete", "Delete the retraining schedule") { deleteModel };
        delete.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var client = await LifecycleCommands.ConnectAsync();
            await TemporalCalls.RetryAsync("delete the schedule", () => client.GetScheduleHandle(ScheduleId(parse.GetValue(deleteModel)!)).DeleteAsync(), cancellation);
            AnsiConsole.MarkupLine("deleted");
            return 0;
        }));
        schedule.Subcommands.Add(create);
        schedule.Subcommands.Add(delete);
        return schedule;
    }

    public static string ScheduleId(string model) => $"retraining-schedule-{model}";

    /// <summary>Creates the schedule, or replaces its spec and action when it exists (idempotent).</summary>
    public static async Task<ScheduleHandle> UpsertAsync(ITemporalClient client, string model, TimeSpan every, int seed, DateTimeOffset? asOf = null, string? autoApprover = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = LifecycleDefaults.Retraining(model, seed, LifecycleDefaults.Thresholds, TimeSpan.FromHours(72), asOf, autoApprover);
        var action = ScheduleActionStartWorkflow.Create((RetrainingWorkflow w) => w.RunAsync(request), new WorkflowOptions(LifecycleDefaults.RetrainingWorkflowId(model), TaskQueues.Lifecycle));
        var spec = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every)] };
        var desired = new Schedule(action, spec) { Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip } };
        try
        {
            return await client.CreateScheduleAsync(ScheduleId(model), desired);
        }
        catch (Temporalio.Exceptions.ScheduleAlreadyRunningException)
        {
            var handle = client.GetScheduleHandle(ScheduleId(model));
            await handle.UpdateAsync(_ => new ScheduleUpdate(desired));
            return handle;
        }
    }
}
