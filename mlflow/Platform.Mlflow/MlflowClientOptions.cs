using System.Globalization;

namespace Platform.Mlflow;

/// <summary>
/// How to reach an MLflow tracking server. <see cref="FromEnvironment"/> reads MLflow's own variables:
/// MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (basic auth), MLFLOW_TRACKING_TOKEN (bearer),
/// MLFLOW_HTTP_REQUEST_MAX_RETRIES and MLFLOW_HTTP_REQUEST_TIMEOUT (seconds).
/// </summary>
public sealed class MlflowClientOptions
{
    /// <summary>The default local server address (the local server's default port).</summary>
    public static readonly Uri DefaultTrackingUri = new("http://127.0.0.1:5000");

    /// <summary>Base address of the tracking server, for example <c>http://127.0.0.1:5000</c>.</summary>
    public Uri TrackingUri { get; set; } = DefaultTrackingUri;

    /// <summary>Basic-auth user name (MLFLOW_TRACKING_USERNAME); needs <see cref="Password"/>.</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password (MLFLOW_TRACKING_PASSWORD).</summary>
    public string? Password { get; set; }

    /// <summary>Bearer token (MLFLOW_TRACKING_TOKEN); excludes basic auth.</summary>
    public string? Token { get; set; }

    /// <summary>Retries after the first attempt on 429, 5xx and timeouts.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>First backoff delay; doubled on each retry, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two attempts (also caps a server's Retry-After).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for one attempt before it counts as a timeout and is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Builds options from MLflow's environment variables; unset variables keep the defaults.</summary>
    public static MlflowClientOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new MlflowClientOptions();
        var uri = getVariable("MLFLOW_TRACKING_URI");
        if (!string.IsNullOrWhiteSpace(uri))
        {
            options.TrackingUri = Uri.TryCreate(uri.Trim(), UriKind.Absolute, out var parsed)
                ? parsed
                : throw new MlflowConfigurationException($"MLFLOW_TRACKING_URI '{uri}' is not an absolute URI (expected http://host:port).");
        }

        options.Username = NullIfEmpty(getVariable("MLFLOW_TRACKING_USERNAME"));
        options.Password = NullIfEmpty(getVariable("MLFLOW_TRACKING_PASSWORD"));
        options.Token = NullIfEmpty(getVariable("MLFLOW_TRACKING_TOKEN"));
        if (NullIfEmpty(getVariable("MLFLOW_HTTP_REQUEST_MAX_RETRIES")) is { } retries)
        {
            options.MaxRetries = int.TryParse(retries, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new MlflowConfigurationException($"MLFLOW_HTTP_REQUEST_MAX_RETRIES '{retries}' is not a non-negative integer.");
        }

        if (NullIfEmpty(getVariable("MLFLOW_HTTP_REQUEST_TIMEOUT")) is { } timeout)
        {
            options.RequestTimeout = int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new MlflowConfigurationException($"MLFLOW_HTTP_REQUEST_TIMEOUT '{timeout}' is not a positive number of seconds.");
        }

        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="MlflowConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (TrackingUri is null || !TrackingUri.IsAbsoluteUri || (TrackingUri.Scheme != Uri.UriSchemeHttp && TrackingUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new MlflowConfigurationException($"Tracking URI '{TrackingUri}' must be an absolute http:// or https:// address of an MLflow server.");
        }

        if ((Username is null) != (Password is null))
        {
            throw new MlflowConfigurationException("Basic auth needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.");
        }

        if (Token is not null && Username is not null)
        {
            throw new MlflowConfigurationException("Set either a bearer token (MLFLOW_TRACKING_TOKEN) or basic auth (username/password), not both.");
        }

        if (MaxRetries is < 0 or > 20)
        {
            throw new MlflowConfigurationException($"MaxRetries must be between 0 and 20, got {MaxRetries}.");
        }

        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new MlflowConfigurationException("Backoff delays must be non-negative and MaxBackoff must be at least InitialBackoff.");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new MlflowConfigurationException("RequestTimeout must be positive.");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>The client configuration is invalid.</summary>
public sealed class MlflowConfigurationException : Exception
{
    public MlflowConfigurationException()
    {
    }

    public MlflowConfigurationException(string message)
        : base(message)
    {
    }

    public MlflowConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
