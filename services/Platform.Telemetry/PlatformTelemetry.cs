using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.Telemetry;

/// <summary>
/// Where traces and metrics go. Console for a person watching; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; metrics
/// also on a Prometheus scrape endpoint when PLATFORM_PROMETHEUS_URL is set (e.g. http://127.0.0.1:9464/).
/// </summary>
public sealed record TelemetryOptions
{
    public bool Console { get; init; }

    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Host and port the Prometheus scrape endpoint listens on (at <c>/metrics</c>).</summary>
    public Uri? PrometheusUrl { get; init; }

    /// <summary>Reads OTEL_EXPORTER_OTLP_ENDPOINT and PLATFORM_TRACE_CONSOLE=1 from the environment.</summary>
    public static TelemetryOptions FromEnvironment()
    {
        var endpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        Uri? otlp = null;
        if (!string.IsNullOrWhiteSpace(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out otlp))
        {
            throw new ArgumentException($"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an absolute URI.");
        }

        var prometheus = Environment.GetEnvironmentVariable("PLATFORM_PROMETHEUS_URL");
        Uri? scrape = null;
        if (!string.IsNullOrWhiteSpace(prometheus) && (!Uri.TryCreate(prometheus, UriKind.Absolute, out scrape) || scrape.Scheme != "http"))
        {
            throw new ArgumentException($"PLATFORM_PROMETHEUS_URL '{prometheus}' is not an absolute http URL (e.g. http://127.0.0.1:9464/).");
        }

        return new TelemetryOptions { Console = Environment.GetEnvironmentVariable("PLATFORM_TRACE_CONSOLE") == "1", OtlpEndpoint = otlp, PrometheusUrl = scrape };
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

    /// <summary>
    /// Every Platform meter (<c>Platform.*</c>: one per component), to OTLP and to the Prometheus scrape endpoint
    /// (<c>/metrics</c>) as configured.
    /// </summary>
    public static MeterProviderBuilder AddPlatformMetrics(this MeterProviderBuilder builder, string serviceName, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName))
            .AddMeter(SourcePrefix + "*");
        if (options.OtlpEndpoint is { } endpoint)
        {
            builder.AddOtlpExporter(o => o.Endpoint = endpoint);
        }

        if (options.PrometheusUrl is { } url)
        {
            builder.AddPrometheusHttpListener(o =>
            {
                o.Host = url.Host;
                o.Port = url.Port;
                o.ScrapeEndpointPath = "/metrics";
            });
        }

        return builder;
    }

    /// <summary>A meter provider for command-line processes (hosts use the builder extension instead).</summary>
    public static MeterProvider CreateMeterProvider(string serviceName, TelemetryOptions options) =>
        Sdk.CreateMeterProviderBuilder().AddPlatformMetrics(serviceName, options).Build();

    /// <summary>A tracer provider for command-line processes (hosts use the builder extension instead).</summary>
    public static TracerProvider CreateTracerProvider(string serviceName, TelemetryOptions options) =>
        Sdk.CreateTracerProviderBuilder().AddPlatformTracing(serviceName, options).Build();
}
