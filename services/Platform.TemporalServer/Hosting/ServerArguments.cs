using System.Globalization;

namespace Platform.TemporalServer.Hosting;

/// <summary>
/// Parses the dev-server argument form (`[server] start-dev --port P --namespace NS --ip IP [--db-filename F]`) that
/// the SDK's <c>WorkflowEnvironment.StartLocalAsync</c> uses. Flags the real dev server has but that mean nothing here
/// (UI, logging, dynamic config) are accepted and ignored.
/// </summary>
public static class ServerArguments
{
    private static readonly HashSet<string> IgnoredWithValue = new(StringComparer.Ordinal)
    {
        "--log-format", "--log-level", "--ui-port", "--ui-ip", "--ui-public-path", "--http-port", "--metrics-port", "--dynamic-config-value",
        "--search-attribute", "--sqlite-pragma", "--config", "-c", "--log-config", "--time-format", "--color", "--ui-asset-path",
        "--ui-codec-endpoint",
    };

    private static readonly HashSet<string> IgnoredFlags = new(StringComparer.Ordinal) { "--headless", "--no-json-shorthand-payloads" };

    /// <summary>Fills options from the arguments after `start-dev`; returns an error message or null.</summary>
    public static string? TryParse(IReadOnlyList<string> args, TemporalServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            if (IgnoredFlags.Contains(arg))
            {
                continue;
            }

            if (arg == "--insecure")
            {
                options.Insecure = true;
                continue;
            }

            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value.");
                }

                return args[++i];
            }

            try
            {
                switch (arg)
                {
                    case "--port" or "-p":
                        var portText = Value();
                        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                        {
                            return $"--port must be a number between 0 and 65535, got '{portText}'.";
                        }

                        options.Port = port;
                        break;
                    case "--ip":
                        options.Ip = Value();
                        break;
                    case "--namespace" or "-n":
                        var ns = Value();
                        if (!options.Namespaces.Contains(ns))
                        {
                            options.Namespaces.Add(ns);
                        }

                        break;
                    case "--db-filename" or "-f":
                        options.DatabasePath = Value();
                        break;
                    case "--tls-cert-path":
                        options.TlsCertificatePath = Value();
                        break;
                    case "--tls-key-path":
                        options.TlsKeyPath = Value();
                        break;
                    case "--tls-client-ca-path":
                        options.TlsClientCaPath = Value();
                        break;
                    case "--api-key-file":
                        options.AddApiKeysFromFile(Value());
                        break;
                    default:
                        if (IgnoredWithValue.Contains(arg))
                        {
                            Value();
                            break;
                        }

                        return $"Unknown option '{args[i]}'. Supported: --port, --ip, --namespace, --db-filename, --tls-cert-path, --tls-key-path, --tls-client-ca-path, --api-key-file, --insecure.";
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException)
            {
                return ex.Message;
            }
        }

        var problems = options.Validate();
        return problems.Count > 0 ? string.Join(" ", problems) : null;
    }
}
