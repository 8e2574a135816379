using System.Globalization;

namespace Platform.Mlflow;

/// <summary>
/// How to reach an MLflow tracking server. <see cref="FromEnvironment"/> reads MLflow's own variables:
/// MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (basic auth), MLFLOW_TRACKING_TOKEN (bearer),
/// MLFLOW_HTTP_REQUEST_MAX_RETRIES and MLFLOW_HTTP_REQUEST_TIMEOUT (seconds). User info in the URI
/// (<c>http://user:pw@host</c>) is basic auth, as MLflow's Python client treats it; it is never sent in the URL or printed.
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
                : throw new MlflowConfigurationException($"MLFLOW_TRACKING_URI '{UriRedaction.Redact(uri)}' is not an absolute URI (expected http://host:port).");
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
            throw new MlflowConfigurationException($"Tracking URI '{UriRedaction.Redact(TrackingUri)}' must be an absolute http:// or https:// address of an MLflow server.");
        }

        if (Token is not null && (Username is not null || Password is not null))
        {
            throw new MlflowConfigurationException("MLFLOW_TRACKING_TOKEN and MLFLOW_TRACKING_USERNAME/PASSWORD are both set: use a bearer token or basic auth, not both.");
        }

        var uriHasCredentials = TrackingUri.UserInfo.Length > 0;
        if (uriHasCredentials && (Username is not null || Password is not null || Token is not null))
        {
            throw new MlflowConfigurationException("MLFLOW_TRACKING_URI carries user:password and MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN are set too: keep one way of passing credentials.");
        }

        if (uriHasCredentials && !TrackingUri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new MlflowConfigurationException("The user info of MLFLOW_TRACKING_URI must be user:password.");
        }

        if ((Username is null) != (Password is null))
        {
            throw new MlflowConfigurationException("Basic auth needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.");
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

    /// <summary>The address requests go to: <see cref="TrackingUri"/> without its user info.</summary>
    public Uri ServerUri => UriRedaction.WithoutUserInfo(TrackingUri);

    /// <summary>The Authorization header value these options send, or null (call <see cref="Validate"/> first).</summary>
    public System.Net.Http.Headers.AuthenticationHeaderValue? Authorization()
    {
        if (Token is not null)
        {
            return new("Bearer", Token);
        }

        var (user, password) = Username is not null
            ? (Username, Password ?? "")
            : TrackingUri.UserInfo.Split(':', 2) is [var u, var p] ? (Uri.UnescapeDataString(u), Uri.UnescapeDataString(p)) : (null, null);
        return user is null ? null : new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>A copy of these options (callers adjust it without changing the shared instance).</summary>
    public MlflowClientOptions Clone() => (MlflowClientOptions)MemberwiseClone();

    /// <summary>Copies every setting into <paramref name="target"/> (the options pattern fills an instance it created).</summary>
    public void CopyTo(MlflowClientOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.TrackingUri = TrackingUri;
        target.Username = Username;
        target.Password = Password;
        target.Token = Token;
        target.MaxRetries = MaxRetries;
        target.InitialBackoff = InitialBackoff;
        target.MaxBackoff = MaxBackoff;
        target.RequestTimeout = RequestTimeout;
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
