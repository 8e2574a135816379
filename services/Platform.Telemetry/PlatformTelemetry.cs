using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.Telemetry;

/// <summary>Where traces go. Console for a person watching; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public sealed record TelemetryOptions
{
    public bool Console { get; init; }

    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Reads OTEL_EXPORTER_OTLP_ENDPOINT and PLATFORM_TRACE_CONSOLE=1 from the environment.</summary>
    public static TelemetryOptions FromEnvironment()
    {
        var endpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        Uri? otlp = null;
        if (!string.IsNullOrWhiteSpace(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out otlp))
        {
            throw new ArgumentException($"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an absolute URI.");
        }

        return new TelemetryOptions { Console = Environment.GetEnvironmentVariable("PLATFORM_TRACE_CONSOLE") == "1", OtlpEndpoint = otlp };
    }
}

/// <summary>The one place that configures OpenTelemetry for every Platform process.</summary>
public static class PlatformTelemetry
{
    /// <summary>Every Platform component names its ActivitySource and Meter under this prefix.</summary>
    public const string SourcePrefix = "Platform.";

    public static TracerProviderBuilder AddPlatformTracing(this TracerProviderBuilder builder, string serviceName, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName))
            .AddSource(SourcePrefix + "*");
        if (options.Console)
        {
            builder.AddConsoleExporter();
        }

        if (options.OtlpEndpoint is { } endpoint)
        {
            builder.AddOtlpExporter(o => o.Endpoint = endpoint);
        }

        return builder;
    }

    /// <summary>A tracer provider for command-line processes (hosts use the builder extension instead).</summary>
    public static TracerProvider CreateTracerProvider(string serviceName, TelemetryOptions options) =>
        Sdk.CreateTracerProviderBuilder().AddPlatformTracing(serviceName, options).Build();
}
