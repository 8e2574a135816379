using System.ComponentModel.DataAnnotations;

namespace Platform.TemporalServer.Hosting;

/// <summary>Settings of the embedded Temporal-compatible server.</summary>
public sealed class TemporalServerOptions
{
    /// <summary>Address Kerstrel listens on (h2c).</summary>
    [Required]
    public string Ip { get; set; } = "127.0.0.1";

    /// <summary>Port; 0 picks a free one (read it back from <see cref="TemporalServerHost.Port"/>).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 7233;

    /// <summary>Namespaces that exist; "default" is always added.</summary>
    public IList<string> Namespaces { get; } = ["default"];

    /// <summary>SQLite file (WAL); null or empty keeps everything in memory.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>SQLite synchronous=FULL (survives power loss) instead of NORMAL (survives process crashes).</summary>
    public bool SynchronousFull { get; set; }

    /// <summary>How long polls and history waits block before answering empty (Core's own deadline is 70 s).</summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Offer workflow tasks to the worker's sticky queue with only the new events (falls back to the normal queue with
    /// full history when that worker does not poll in time). Off: always full history on the normal queue.
    /// </summary>
    public bool StickyQueues { get; set; } = true;

    /// <summary>How long closed runs stay visible (history, describe, list) before they are deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Checks the settings and returns a list of problems (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!System.Net.IPAddress.TryParse(Ip, out _) && !string.Equals(Ip, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"--ip must be an IP address, got '{Ip}'.");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port must be between 0 and 65535, got {Port}.");
        }

        if (LongPollTimeout <= TimeSpan.Zero || LongPollTimeout > TimeSpan.FromSeconds(60))
        {
            problems.Add("The long-poll timeout must be between 0 and 60 seconds.");
        }

        if (Retention <= TimeSpan.Zero)
        {
            problems.Add("The retention period must be positive.");
        }

        foreach (var ns in Namespaces)
        {
            if (string.IsNullOrWhiteSpace(ns))
            {
                problems.Add("Namespace names must not be empty.");
            }
        }

        return problems;
    }
}
