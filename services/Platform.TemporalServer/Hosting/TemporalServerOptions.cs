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

    /// <summary>PEM server certificate: serve TLS (with <see cref="TlsKeyPath"/>); null serves plaintext h2c.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>PEM CA certificate(s): require a client certificate issued by one of them (mTLS).</summary>
    public string? TlsClientCaPath { get; set; }

    /// <summary>
    /// API keys accepted in the <c>authorization</c> metadata as <c>Bearer KEY</c> (what Temporal Cloud accepts);
    /// empty: no key required. Keys need TLS, so they are never sent in plaintext.
    /// </summary>
    public IList<string> ApiKeys { get; } = [];

    /// <summary>Allow a non-loopback address without authentication (API key or mTLS); otherwise refused.</summary>
    public bool Insecure { get; set; }

    /// <summary>Whether the address is loopback only (then the :authority / Host header is checked).</summary>
    public bool IsLoopback => string.Equals(Ip, "localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(Ip, out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Reads API keys from a file, one per line (blank lines and # comments skipped).</summary>
    public void AddApiKeysFromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"API key file '{path}' does not exist.", path);
        }

        foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            ApiKeys.Add(line);
        }
    }

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

        if ((TlsCertificatePath is null) != (TlsKeyPath is null))
        {
            problems.Add("TLS needs both --tls-cert-path and --tls-key-path.");
        }

        foreach (var (flag, path) in new[] { ("--tls-cert-path", TlsCertificatePath), ("--tls-key-path", TlsKeyPath), ("--tls-client-ca-path", TlsClientCaPath) })
        {
            if (path is not null && !File.Exists(path))
            {
                problems.Add($"{flag} file '{path}' does not exist.");
            }
        }

        if (TlsClientCaPath is not null && TlsCertificatePath is null)
        {
            problems.Add("--tls-client-ca-path (mTLS) needs a server certificate (--tls-cert-path, --tls-key-path).");
        }

        if (ApiKeys.Count > 0 && TlsCertificatePath is null)
        {
            problems.Add("API keys need TLS (--tls-cert-path, --tls-key-path): a key sent in plaintext can be read on the way.");
        }

        if (ApiKeys.Any(k => k.Length < 16 || k.Any(char.IsWhiteSpace)))
        {
            problems.Add("API keys must be at least 16 characters without spaces.");
        }

        if (!IsLoopback && ApiKeys.Count == 0 && TlsClientCaPath is null && !Insecure && problems.Count == 0)
        {
            problems.Add($"Refusing to listen on {Ip} without authentication: anyone who can connect could start workflows or approve a promotion. " +
                "Require an API key (--api-key-file, with TLS) or client certificates (--tls-client-ca-path), or pass --insecure.");
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
