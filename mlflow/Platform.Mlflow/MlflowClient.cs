using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

/// <summary>
/// Typed client for MLflow's REST API (tracking, mlflow-artifacts proxy, model registry). Works against a real MLflow
/// server (2.9 or later) and the local Platform server. Every call retries on 429, 5xx and timeouts with exponential
/// backoff, and turns MLflow's <c>{error_code, message}</c> into a typed <see cref="MlflowException"/>.
/// </summary>
public sealed partial class MlflowClient : IDisposable
{
    /// <summary>Name of the client's ActivitySource and Meter.</summary>
    public const string InstrumentationName = "Platform.Mlflow.Client";

    private const string ApiPrefix = "api/2.0/mlflow/";
    private const string ArtifactsPrefix = "api/2.0/mlflow-artifacts/artifacts";

    private static readonly ActivitySource Source = new(InstrumentationName);
    private static readonly Meter ClientMeter = new(InstrumentationName);
    private static readonly Counter<long> RetryCounter = ClientMeter.CreateCounter<long>("mlflow.client.retries", description: "Requests retried after 429, 5xx or a timeout.");

    private static readonly HashSet<HttpStatusCode> TransientStatuses =
    [
        HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway,
        HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout,
    ];

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly MlflowClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _baseUri;
    private readonly AuthenticationHeaderValue? _authorization;

    /// <summary>Creates a client over an existing HttpClient (for example a typed client from IHttpClientFactory).</summary>
    public MlflowClient(HttpClient httpClient, MlflowClientOptions options, TimeProvider? timeProvider = null, ILogger<MlflowClient>? logger = null)
        : this(httpClient, options, timeProvider, logger, ownsHttpClient: false)
    {
    }

    private MlflowClient(HttpClient httpClient, MlflowClientOptions options, TimeProvider? timeProvider, ILogger? logger, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        var root = options.ServerUri.AbsoluteUri;
        _baseUri = new Uri(root.EndsWith('/') ? root : root + "/");
        _authorization = options.Authorization();
    }

    /// <summary>The tracking server's base address (without credentials).</summary>
    public Uri TrackingUri => _options.ServerUri;

    /// <summary>Creates a client that owns its HttpClient (disposed with the client).</summary>
    public static MlflowClient Create(MlflowClientOptions options, TimeProvider? timeProvider = null, ILogger<MlflowClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        // Per-attempt timeouts are enforced by the client; the HttpClient's own timeout must not cut retries short.
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        return new MlflowClient(http, options, timeProvider, logger, ownsHttpClient: true);
    }

    /// <summary>Creates a client from MLFLOW_TRACKING_URI and the other MLflow environment variables.</summary>
    public static MlflowClient FromEnvironment() => Create(MlflowClientOptions.FromEnvironment());

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    private static long NowMilliseconds(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();

    private Task<TResponse> PostAsync<TRequest, TResponse>(string endpoint, TRequest body, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Post, endpoint, body, requestInfo, responseInfo, cancellationToken);

    private async Task<TResponse> SendJsonAsync<TRequest, TResponse>(HttpMethod method, string endpoint, TRequest body, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, requestInfo);
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(method, new Uri(_baseUri, ApiPrefix + endpoint));
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return request;
            },
            endpoint,
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, responseInfo, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResponse> GetAsync<TResponse>(string endpoint, IEnumerable<KeyValuePair<string, string?>> query, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUri, ApiPrefix + endpoint + QueryString(query));
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), endpoint, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, responseInfo, cancellationToken).ConfigureAwait(false);
    }

    private static string QueryString(IEnumerable<KeyValuePair<string, string?>> query)
    {
        var parts = query.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(bytes.Length == 0 ? "{}"u8 : bytes, info)
                ?? throw new MlflowException(MlflowErrorCodes.InternalError, $"MLflow returned an empty JSON body for {response.RequestMessage?.RequestUri?.AbsolutePath}.");
        }
        catch (JsonException ex)
        {
            throw new MlflowException(MlflowErrorCodes.InternalError, $"MLflow returned a response that is not the expected JSON: {JsonErrors.Describe(ex)}.", response.StatusCode, ex);
        }
    }

    /// <summary>
    /// Sends a request built fresh for each attempt; retries transient failures; returns a successful response or
    /// throws the typed error. The caller disposes the response.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> createRequest, string operation, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("mlflow " + operation, ActivityKind.Client);
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var request = createRequest();
            if (_authorization is not null)
            {
                request.Headers.Authorization = _authorization;
            }

            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(_options.RequestTimeout);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException)
            {
                // A timeout of this attempt or a connection failure: transient.
                if (attempt >= _options.MaxRetries)
                {
                    activity?.SetStatus(ActivityStatusCode.Error);
                    var what = ex is OperationCanceledException ? $"timed out after {_options.RequestTimeout.TotalSeconds:0.#} s" : $"failed ({UriRedaction.Redact(ex.Message)})";
                    throw new MlflowException(MlflowErrorCodes.TemporarilyUnavailable, $"MLflow request {operation} to {_baseUri} {what}, after {attempt + 1} attempt(s).", HttpStatusCode.ServiceUnavailable, ex);
                }

                ClientLog.Retrying(_logger, operation, attempt + 1, ex is OperationCanceledException ? "timeout" : "connection failure");
                await DelayBeforeRetryAsync(attempt, null, operation, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            if (TransientStatuses.Contains(response.StatusCode) && attempt < _options.MaxRetries)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                ClientLog.Retrying(_logger, operation, attempt + 1, "HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                response.Dispose();
                await DelayBeforeRetryAsync(attempt, retryAfter, operation, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
                throw await ToExceptionAsync(response, operation, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DelayBeforeRetryAsync(int attempt, TimeSpan? retryAfter, string operation, CancellationToken cancellationToken)
    {
        RetryCounter.Add(1, new KeyValuePair<string, object?>("operation", operation));
        var exponential = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt);
        var jittered = exponential * (0.5 + (Random.Shared.NextDouble() * 0.5));
        var delay = TimeSpan.FromMilliseconds(Math.Min(Math.Max(jittered, retryAfter?.TotalMilliseconds ?? 0), _options.MaxBackoff.TotalMilliseconds));
        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<MlflowException> ToExceptionAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (JsonSerializer.Deserialize(body, MlflowJsonContext.Default.ErrorResponse) is { ErrorCode.Length: > 0 } error)
            {
                return MlflowException.Create(error.ErrorCode, error.Message ?? "", response.StatusCode);
            }
        }
        catch (JsonException)
        {
            // Not MLflow's error body (for example a proxy's HTML page): fall through to a status-based error.
        }

        var code = response.StatusCode switch
        {
            HttpStatusCode.NotFound => MlflowErrorCodes.EndpointNotFound,
            HttpStatusCode.Unauthorized => MlflowErrorCodes.Unauthenticated,
            HttpStatusCode.Forbidden => MlflowErrorCodes.PermissionDenied,
            HttpStatusCode.TooManyRequests => MlflowErrorCodes.RequestLimitExceeded,
            HttpStatusCode.ServiceUnavailable => MlflowErrorCodes.TemporarilyUnavailable,
            >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError => MlflowErrorCodes.BadRequest,
            _ => MlflowErrorCodes.InternalError,
        };
        var excerpt = UriRedaction.Redact(body.Length > 300 ? body[..300] + "..." : body);
        return MlflowException.Create(code, $"MLflow {operation} failed with HTTP {(int)response.StatusCode}: {excerpt}", response.StatusCode);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The client's structured log messages (no URLs with credentials, no headers).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "MLflow {Operation} attempt {Attempt} failed ({Reason}); retrying")]
    public static partial void Retrying(ILogger logger, string operation, int attempt, string reason);
}
