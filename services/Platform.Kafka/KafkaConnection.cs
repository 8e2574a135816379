using Platform.Domain;
using Confluent.Kafka;

namespace Platform.Kafka;

/// <summary>
/// Where the Kafka cluster is and how to authenticate. <see cref="FromEnvironment"/> reads
/// <c>KAFKA_BOOTSTRAP_SERVERS</c>, <c>KAFKA_SECURITY_PROTOCOL</c> (plaintext, ssl, sasl_plaintext, sasl_ssl),
/// <c>KAFKA_SASL_MECHANISM</c> (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), <c>KAFKA_SASL_USERNAME</c>,
/// <c>KAFKA_SASL_PASSWORD</c> and <c>KAFKA_SSL_CA_LOCATION</c>. The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record KafkaConnection
{
    public const string BootstrapServersVariable = "KAFKA_BOOTSTRAP_SERVERS";

    public required string BootstrapServers { get; init; }

    public SecurityProtocol? SecurityProtocol { get; init; }

    public SaslMechanism? SaslMechanism { get; init; }

    public string? SaslUsername { get; init; }

    public string? SaslPassword { get; init; }

    public string? SslCaLocation { get; init; }

    /// <summary>
    /// Longest a broker holds a consumer's fetch that has nothing to return. A real broker answers as soon as records
    /// arrive, so this only bounds idle polling; librdkafka's mock broker answers only when the wait runs out, so the
    /// embedded connection waits 2 ms: each hop of the live path adds about half the wait, and an idle consumer polls
    /// the broker once per wait (at 1 ms the idle consumers of a test run or `platform up` cost noticeable CPU).
    /// </summary>
    public int FetchWaitMaxMs { get; init; } = 100;

    /// <summary>
    /// Consumer group session timeout (heartbeats every sixth of it). Real brokers accept 6 s at least and finish a join
    /// once every known member rejoined; the mock broker always waits most of the session timeout for members to join, so
    /// a restarted service's first assignment takes that long: the embedded connection uses 3 s.
    /// </summary>
    public int SessionTimeoutMs { get; init; } = 6_000;

    /// <summary>Replication factor for topics this platform creates; -1 = the broker's default.</summary>
    public short ReplicationFactor { get; init; } = -1;

    /// <summary>The cluster named by the environment, or null when <c>KAFKA_BOOTSTRAP_SERVERS</c> is unset (use the embedded broker).</summary>
    public static KafkaConnection? FromEnvironment()
    {
        var servers = Environment.GetEnvironmentVariable(BootstrapServersVariable);
        if (string.IsNullOrWhiteSpace(servers))
        {
            return null;
        }

        return new KafkaConnection
        {
            BootstrapServers = servers.Trim(),
            SecurityProtocol = ParseEnum<SecurityProtocol>("KAFKA_SECURITY_PROTOCOL", s => s.Replace("_", string.Empty, StringComparison.Ordinal)),
            SaslMechanism = ParseEnum<SaslMechanism>("KAFKA_SASL_MECHANISM", s => s.Replace("-", string.Empty, StringComparison.Ordinal)),
            SaslUsername = Variable("KAFKA_SASL_USERNAME"),
            SaslPassword = Variable("KAFKA_SASL_PASSWORD"),
            SslCaLocation = Variable("KAFKA_SSL_CA_LOCATION"),
            ReplicationFactor = Variable("KAFKA_REPLICATION_FACTOR") is { } rf
                ? short.TryParse(rf, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new InvalidRequestException($"KAFKA_REPLICATION_FACTOR '{rf}' is not a number")
                : (short)-1,
        };
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            errors.Add("Kafka bootstrap servers are required");
        }

        if (SaslMechanism is not null && (string.IsNullOrEmpty(SaslUsername) || string.IsNullOrEmpty(SaslPassword)))
        {
            errors.Add("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD");
        }

        if (ReplicationFactor is 0 or < -1)
        {
            errors.Add("replication factor must be -1 (broker default) or positive");
        }

        return errors;
    }

    /// <summary>Copies the connection settings onto a producer, consumer or admin configuration.</summary>
    public T ApplyTo<T>(T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.BootstrapServers = BootstrapServers;
        config.SecurityProtocol = SecurityProtocol;
        config.SaslMechanism = SaslMechanism;
        config.SaslUsername = SaslUsername;
        config.SaslPassword = SaslPassword;
        config.SslCaLocation = SslCaLocation;
        return config;
    }

    public override string ToString() =>
        $"{BootstrapServers} ({SecurityProtocol?.ToString() ?? "plaintext"}{(SaslMechanism is { } m ? $", SASL {m} as {SaslUsername}" : string.Empty)})";

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;

    private static TEnum? ParseEnum<TEnum>(string variable, Func<string, string> normalise)
        where TEnum : struct, Enum
    {
        var raw = Variable(variable);
        if (raw is null)
        {
            return null;
        }

        return Enum.TryParse<TEnum>(normalise(raw), ignoreCase: true, out var value)
            ? value
            : throw new InvalidRequestException($"{variable} '{raw}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}");
    }
}
