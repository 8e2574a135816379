using System.Globalization;
using Spectre.Console;

namespace Platform.Cli;

/// <summary>
/// Progress for people and for logs. On a terminal: Spectre's live bars. Without one (output redirected, CI, a
/// container log) live bars cannot redraw, so each task prints a plain line when it starts, whenever it advances by a
/// tenth or changes its description, and when it finishes.
/// </summary>
internal sealed class CliProgress
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly ProgressContext context;
    private readonly List<PlainLine>? lines;

    private CliProgress(ProgressContext context, bool plain)
    {
        this.context = context;
        lines = plain ? [] : null;
    }

    /// <summary>Whether live bars can be drawn (an interactive terminal on stdout).</summary>
    public static bool IsLive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public ProgressTask AddTask(string description, bool autoStart = true, double maxValue = 100)
    {
        var task = context.AddTask(description, autoStart, maxValue);
        if (lines is not null)
        {
            lock (lines)
            {
                lines.Add(new PlainLine(task));
            }
        }

        return task;
    }

    public static void Run(Action<CliProgress> body, bool autoClear, params ProgressColumn[] columns) =>
        RunAsync(p =>
        {
            body(p);
            return Task.FromResult(0);
        }, autoClear, columns).GetAwaiter().GetResult();

    public static async Task<T> RunAsync<T>(Func<CliProgress, Task<T>> body, bool autoClear, params ProgressColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (IsLive)
        {
            return await AnsiConsole.Progress().AutoClear(autoClear).HideCompleted(autoClear).Columns(columns).StartAsync(ctx => body(new CliProgress(ctx, plain: false)));
        }

        // The tasks still live in a Spectre context (callers set Value, Description, ...); it just renders nowhere.
        var silent = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No });
        return await silent.Progress().AutoRefresh(false).StartAsync(async ctx =>
        {
            var progress = new CliProgress(ctx, plain: true);
            using var timer = new Timer(_ => progress.PrintChanges(), null, PollInterval, PollInterval);
            try
            {
                return await body(progress);
            }
            finally
            {
                await timer.DisposeAsync();
                progress.PrintChanges();
            }
        });
    }

    private void PrintChanges()
    {
        lock (lines!)
        {
            foreach (var line in lines)
            {
                if (line.Changed() is { } text)
                {
                    Console.Out.WriteLine(text);
                }
            }
        }
    }

    /// <summary>What was last printed for one task, so only a real change prints again.</summary>
    private sealed class PlainLine(ProgressTask task)
    {
        private string? printed;

        public string? Changed()
        {
            if (!task.IsStarted)
            {
                return null;
            }

            var tenth = task.MaxValue > 0 ? (int)Math.Floor(Math.Clamp(task.Value / task.MaxValue, 0, 1) * 10) : 0;
            var state = task.IsFinished ? "done" : tenth.ToString(CultureInfo.InvariantCulture);
            var key = $"{task.Description}|{state}";
            if (key == printed)
            {
                return null;
            }

            printed = key;
            var description = Markup.Remove(task.Description);
            return task.IsFinished
                ? string.Create(CultureInfo.InvariantCulture, $"{description}: done ({task.ElapsedTime?.TotalSeconds ?? 0:0.0} s)")
                : string.Create(CultureInfo.InvariantCulture, $"{description}: {tenth * 10}%");
        }
    }
}
