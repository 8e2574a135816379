using Temporalio.Client;

namespace Platform.Worker;

/// <summary>
/// How to reach a Temporal frontend, one path for the worker and every CLI call. Read from the environment variables
/// the Temporal CLI uses: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY (sent as <c>authorization: Bearer</c>),
/// TEMPORAL_TLS (true/false), TEMPORAL_TLS_CA (server CA, PEM file), TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (client
/// certificate for mTLS, PEM files) and TEMPORAL_TLS_SERVER_NAME. An API key or any TLS file turns TLS on.
/// </summary>
public sealed record TemporalEndpoint
{
    public const string DefaultAddress = "127.0.0.1:7233";

    /// <summary>host:port of the frontend.</summary>
    public string Address { get; init; } = DefaultAddress;

    public string Namespace { get; init; } = "default";

    /// <summary>API key (Temporal Cloud style), sent in the <c>authorization</c> metadata as <c>Bearer KEY</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Connect with TLS (implied by an API key or any TLS file).</summary>
    public bool Tls { get; init; }

    /// <summary>PEM file of the CA that signed the server's certificate (default: the system's trust store).</summary>
    public string? TlsCaPath { get; init; }

    /// <summary>PEM client certificate for mTLS (needs <see cref="TlsKeyPath"/>).</summary>
    public string? TlsCertPath { get; init; }

    /// <summary>PEM private key of <see cref="TlsCertPath"/>.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>Name the server certificate must carry when it differs from the address's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Whether the connection uses TLS.</summary>
    public bool UsesTls => Tls || ApiKey is not null || TlsCaPath is not null || TlsCertPath is not null || TlsServerName is not null;

    /// <summary>Applies the TEMPORAL_* environment variables that are set.</summary>
    public TemporalEndpoint WithEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var tls = Get("TEMPORAL_TLS");
        return this with
        {
            Address = Get("TEMPORAL_ADDRESS") ?? Address,
            Namespace = Get("TEMPORAL_NAMESPACE") ?? Namespace,
            ApiKey = Get("TEMPORAL_API_KEY") ?? ApiKey,
            Tls = tls is null ? Tls : bool.TryParse(tls, out var on) ? on : throw new ArgumentException($"TEMPORAL_TLS must be true or false, got '{tls}'"),
            TlsCaPath = Get("TEMPORAL_TLS_CA") ?? TlsCaPath,
            TlsCertPath = Get("TEMPORAL_TLS_CERT") ?? TlsCertPath,
            TlsKeyPath = Get("TEMPORAL_TLS_KEY") ?? TlsKeyPath,
            TlsServerName = Get("TEMPORAL_TLS_SERVER_NAME") ?? TlsServerName,
        };
    }

    /// <summary>The problems of these settings (empty when valid); files must exist.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Address) || Address.Contains("://", StringComparison.Ordinal) || !Address.Contains(':', StringComparison.Ordinal))
        {
            errors.Add($"Temporal address '{Address}' must be host:port (TEMPORAL_ADDRESS)");
        }

        if (string.IsNullOrWhiteSpace(Namespace))
        {
            errors.Add("Temporal namespace is required (TEMPORAL_NAMESPACE)");
        }

        if ((TlsCertPath is null) != (TlsKeyPath is null))
        {
            errors.Add("mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY");
        }

        foreach (var (name, path) in new[] { ("TEMPORAL_TLS_CA", TlsCaPath), ("TEMPORAL_TLS_CERT", TlsCertPath), ("TEMPORAL_TLS_KEY", TlsKeyPath) })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{name} file '{path}' does not exist");
            }
        }

        return errors;
    }

    /// <summary>The SDK's connect options (validated; throws <see cref="ArgumentException"/> naming the problems).</summary>
    public TemporalClientConnectOptions ToConnectOptions()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Temporal connection: " + string.Join("; ", errors));
        }

        return new TemporalClientConnectOptions(Address)
        {
            Namespace = Namespace,
            ApiKey = ApiKey,
            Tls = UsesTls
                ? new TlsOptions
                {
                    ServerRootCACert = TlsCaPath is null ? null : File.ReadAllBytes(TlsCaPath),
                    ClientCert = TlsCertPath is null ? null : File.ReadAllBytes(TlsCertPath),
                    ClientPrivateKey = TlsKeyPath is null ? null : File.ReadAllBytes(TlsKeyPath),
                    Domain = TlsServerName,
                }
                : null,
        };
    }

    /// <summary>How the connection is secured, for banners (never the key itself).</summary>
    public string Describe() =>
        (UsesTls ? (TlsCertPath is not null ? "mTLS" : "TLS") : "plaintext") + (ApiKey is not null ? ", API key" : "");
}
