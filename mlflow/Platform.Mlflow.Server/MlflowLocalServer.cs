using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Mlflow.Server.Endpoints;
using Platform.Mlflow.Server.Security;
using Platform.Mlflow.Server.Storage;

namespace Platform.Mlflow.Server;

/// <summary>Settings of the local MLflow-compatible server.</summary>
public sealed class MlflowServerOptions
{
    /// <summary>Address to listen on: an IP address or <c>localhost</c>. Defaults to loopback only.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free port (see <see cref="MlflowLocalServer.BaseAddress"/>).</summary>
    public int Port { get; set; } = 5000;

    /// <summary>Folder holding <c>mlflow.db</c> (SQLite metadata) and <c>artifacts/</c>; created when missing.</summary>
    public string StoreDirectory { get; set; } = "";

    /// <summary>Write request and error logs to the console.</summary>
    public bool LogToConsole { get; set; }

    /// <summary>HTTP basic auth (MLflow's basic-auth app); null: anyone who can connect may do anything.</summary>
    public BasicAuthOptions? BasicAuth { get; set; }

    /// <summary>Allow a non-loopback address without authentication (otherwise refused).</summary>
    public bool Insecure { get; set; }

    /// <summary>Largest artifact upload in bytes; larger ones get 413 RESOURCE_EXHAUSTED. Default 2 GiB.</summary>
    public long MaxArtifactBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Clock for timestamps the server assigns (tests may substitute one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(StoreDirectory))
        {
            throw new ArgumentException("A store directory is required (--store DIR).");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port must be between 0 and 65535, got {Port}.");
        }

        if (ParseHost(Host) is not { } address)
        {
            throw new ArgumentException($"Host '{Host}' is not an IP address or 'localhost'.");
        }

        if (MaxArtifactBytes < 1)
        {
            throw new ArgumentException($"The artifact size limit must be positive, got {MaxArtifactBytes} bytes.");
        }

        BasicAuth?.Validate();
        if (!IPAddress.IsLoopback(address) && BasicAuth is null && !Insecure)
        {
            throw new ArgumentException(
                $"Refusing to listen on {Host} without authentication: anyone who can connect could change models. " +
                "Enable basic auth (--app-name basic-auth with an admin password) or pass --insecure.");
        }
    }

    /// <summary>Whether the server listens on a loopback address only (then the Host header is checked).</summary>
    internal bool IsLoopback => ParseHost(Host) is { } address && IPAddress.IsLoopback(address);

    internal static IPAddress? ParseHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : null;
}

/// <summary>
/// An MLflow-compatible tracking and registry server: MLflow's REST API (the surface <see cref="MlflowClient"/> uses)
/// over HTTP, SQLite metadata and a local artifact folder, persistent across restarts. Embeddable: start it with
/// <see cref="StartAsync"/> and dispose it to stop.
/// </summary>
public sealed class MlflowLocalServer : IAsyncDisposable
{
    /// <summary>Name of the server's ActivitySource.</summary>
    public const string InstrumentationName = "Platform.Mlflow.Server";

    private static readonly ActivitySource Source = new(InstrumentationName);
    private static readonly Meter ServerMeter = new(InstrumentationName);
    private static readonly Counter<long> ErrorCounter = ServerMeter.CreateCounter<long>("mlflow.server.errors", description: "Requests answered with an MLflow error, by error code.");

    private readonly WebApplication _app;
    private readonly SqliteDatabase _database;
    private readonly UserStore? _users;

    private MlflowLocalServer(WebApplication app, SqliteDatabase database, UserStore? users, Uri baseAddress)
    {
        _app = app;
        _database = database;
        _users = users;
        BaseAddress = baseAddress;
    }

    /// <summary>The address clients use, for example <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What is wrong with the store file, in words (SQLite's result code), not SQLite's own message text.</summary>
    internal static string StoreProblem(SqliteException exception) => exception.SqliteErrorCode switch
    {
        26 => "it is not an SQLite database (another kind of file, or corrupt beyond its header)",
        11 => "the database file is corrupt",
        14 => "the file cannot be opened (missing directory or no permission)",
        8 => "the database is read-only",
        5 or 6 => "the database is locked by another process",
        13 => "the disk is full",
        23 => "access to the file was denied",
        var code => $"SQLite result code {code}",
    };

    /// <summary>Opens (or creates) the store and starts listening.</summary>
    public static async Task<MlflowLocalServer> StartAsync(MlflowServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = Path.GetFullPath(options.StoreDirectory);
        Directory.CreateDirectory(store);
        var databaseFile = Path.Combine(store, "mlflow.db");
        SqliteDatabase database;
        try
        {
            database = new SqliteDatabase(databaseFile);
        }
        catch (SqliteException ex)
        {
            throw new InvalidOperationException($"Cannot open the store database {databaseFile}: {StoreProblem(ex)}.", ex);
        }

        WebApplication? app = null;
        UserStore? users = null;
        try
        {
            if (options.BasicAuth is { } auth)
            {
                users = new UserStore(Path.Combine(store, "basic_auth.db"), options.TimeProvider);
                users.EnsureAdmin(auth.AdminUsername, auth.AdminPassword);
            }

            var tracking = new TrackingStore(database, options.TimeProvider);
            tracking.EnsureDefaultExperiment();
            var registry = new RegistryStore(database, options.TimeProvider);
            var artifacts = new ArtifactStore(Path.Combine(store, "artifacts"));

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = store, Args = [] });
            builder.Logging.ClearProviders();
            if (options.LogToConsole)
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

                // Request-by-request framework logs would drown the server's own messages; start-up failures are
                // reported once by the caller, without the host's stack trace.
                builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
                builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
            }

            builder.WebHost.UseKestrel(kestrel =>
            {
                kestrel.Listen(MlflowServerOptions.ParseHost(options.Host)!, options.Port);

                // Artifacts can be large; JSON bodies are capped by the endpoints themselves.
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.AddServerHeader = false;
            });
            app = builder.Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<MlflowLocalServer>();
            app.Use((context, next) => HandleErrorsAsync(context, next, logger));
            if (options.IsLoopback)
            {
                app.Use(CheckLoopbackHostAsync);
            }

            if (users is not null)
            {
                app.Use((context, next) => BasicAuthentication.HandleAsync(context, next, users, options.BasicAuth!));
                BasicAuthentication.MapUsers(app, users);
            }

            app.Use((context, next) => LimitArtifactUploadAsync(context, next, options.MaxArtifactBytes));
            ApiEndpoints.Map(app, tracking, registry, artifacts);
            UiEndpoints.Map(app, tracking, registry, artifacts);
            app.MapFallback(NoEndpointAsync);

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
            ServerLog.Listening(logger, baseAddress, store);
            return new MlflowLocalServer(app, database, users, baseAddress);
        }
        catch
        {
            // A failed start (for example a port in use) must not leave the listener or the database open.
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            users?.Dispose();
            database.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the server stops (Ctrl+C in a console host, or <paramref name="cancellationToken"/>).</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStopping = _app.Lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
        using var onCancel = cancellationToken.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _users?.Dispose();
        _database.Dispose();
    }

    /// <summary>
    /// A loopback-bound server answers only requests addressed to a loopback name: a web page elsewhere cannot reach
    /// it through a rebound DNS name (DNS rebinding).
    /// </summary>
    private static Task CheckLoopbackHostAsync(HttpContext context, Func<Task> next)
    {
        var host = context.Request.Host.Host;
        return host is "127.0.0.1" or "[::1]" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            ? next()
            : Http.WriteErrorAsync(context.Response, MlflowErrorCodes.PermissionDenied,
                $"Host '{context.Request.Host}' is not allowed: this server listens on loopback and accepts only localhost, 127.0.0.1 or [::1] (DNS rebinding protection).");
    }

    /// <summary>Artifact uploads above the limit are refused with 413 before (Content-Length) or while (chunked) reading.</summary>
    private static Task LimitArtifactUploadAsync(HttpContext context, Func<Task> next, long limit)
    {
        if (HttpMethods.IsPut(context.Request.Method) && context.Request.Path.StartsWithSegments("/api/2.0/mlflow-artifacts/artifacts", StringComparison.Ordinal))
        {
            if (context.Request.ContentLength > limit)
            {
                return ArtifactTooLargeAsync(context.Response, limit);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit;
            }
        }

        return next();
    }

    private static Task ArtifactTooLargeAsync(HttpResponse response, long limit) =>
        Http.WriteErrorAsync(response, "RESOURCE_EXHAUSTED",
            $"The artifact exceeds the server's upload limit of {limit} bytes ({limit / (1024.0 * 1024.0):0.#} MiB); raise it with --max-artifact-size-mb.",
            StatusCodes.Status413PayloadTooLarge);

    /// <summary>Unknown path: 404; known path with another method: 405 (as Flask answers MLflow clients); both ENDPOINT_NOT_FOUND.</summary>
    private static async Task NoEndpointAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var known = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Any(e => string.Equals(e.RoutePattern.RawText, path, StringComparison.Ordinal));
        await Http.WriteErrorAsync(
            context.Response,
            MlflowErrorCodes.EndpointNotFound,
            known ? $"Method {context.Request.Method} is not allowed for {path}." : $"No API endpoint {context.Request.Method} {path}.",
            known ? StatusCodes.Status405MethodNotAllowed : null).ConfigureAwait(false);
    }

    /// <summary>Turns every failure into MLflow's {error_code, message} body: never a 500 page with a stack trace.</summary>
    private static async Task HandleErrorsAsync(HttpContext context, Func<Task> next, ILogger logger)
    {
        using var activity = Source.StartActivity(context.Request.Method + " " + context.Request.Path, ActivityKind.Server);
        try
        {
            await next().ConfigureAwait(false);
            if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !context.Response.HasStarted)
            {
                await Http.WriteErrorAsync(context.Response, MlflowErrorCodes.EndpointNotFound, $"Method {context.Request.Method} is not allowed for {context.Request.Path}.", StatusCodes.Status405MethodNotAllowed).ConfigureAwait(false);
            }
        }
        catch (MlflowException ex) when (!context.Response.HasStarted)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorCode);
            ErrorCounter.Add(1, new KeyValuePair<string, object?>("error_code", ex.ErrorCode));
            await Http.WriteErrorAsync(context.Response, ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted && ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0;
            await ArtifactTooLargeAsync(context.Response, limit).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await Http.WriteErrorAsync(context.Response, MlflowErrorCodes.BadRequest, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            ErrorCounter.Add(1, new KeyValuePair<string, object?>("error_code", MlflowErrorCodes.InternalError));
            ServerLog.UnhandledError(logger, ex, context.Request.Method, context.Request.Path.Value ?? "");
            await Http.WriteErrorAsync(context.Response, MlflowErrorCodes.InternalError, "Internal server error; see the server log.").ConfigureAwait(false);
        }
    }
}

/// <summary>The server's structured log messages.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MLflow-compatible server listening on {Address}, store {Store}")]
    public static partial void Listening(ILogger logger, Uri address, string store);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);
}
