using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.TemporalServer.Engine;
using Platform.TemporalServer.Grpc;

namespace Platform.TemporalServer.Hosting;

/// <summary>
/// Runs the Temporal-compatible server in this process: Kestrel HTTP/2 serving the WorkflowService, plaintext (h2c) or
/// TLS with an optional client-certificate requirement (mTLS), API keys and a Host check on loopback.
/// Embeddable (tests, `platform up`) and used by the executable.
/// </summary>
public sealed class TemporalServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TemporalEngine _engine;

    private TemporalServerHost(WebApplication app, TemporalEngine engine, int port, string ip)
    {
        _app = app;
        _engine = engine;
        Port = port;
        Ip = ip;
    }

    /// <summary>The port actually bound (useful when 0 was requested).</summary>
    public int Port { get; }

    public string Ip { get; }

    /// <summary>"host:port" for <c>TemporalClient.ConnectAsync</c>.</summary>
    public string TargetHost => $"{Ip}:{Port}";

    /// <summary>Validates the options, recovers the store and starts serving.</summary>
    public static async Task<TemporalServerHost> StartAsync(TemporalServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var address = string.Equals(options.Ip, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(options.Ip);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.TlsCertificatePath is not null)
                {
                    listen.UseHttps(ServerTls(options));
                }
            });
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        var logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Platform.TemporalServer");
        var engine = new TemporalEngine(options, TimeProvider.System, logger);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(options);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 128 * 1024 * 1024;
            grpc.MaxSendMessageSize = 128 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<CallTelemetryInterceptor>();
            grpc.Interceptors.Add<AccessInterceptor>();
        });
        var app = builder.Build();
        app.MapGrpcService<WorkflowServiceEndpoint>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            engine.Dispose();
            await app.DisposeAsync();
            throw;
        }

        engine.Start();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var port = bound is null ? options.Port : new Uri(bound).Port;
        ServerLog.Listening(logger, options.Ip, port);
        return new TemporalServerHost(app, engine, port, options.Ip);
    }

    private static Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions ServerTls(TemporalServerOptions options)
    {
        var tls = new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
        {
            ServerCertificate = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath!, options.TlsKeyPath),
        };
        if (options.TlsClientCaPath is { } caPath)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caPath);
            tls.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
            tls.ClientCertificateValidation = (certificate, _, _) =>
            {
                // Trust exactly the configured CA(s), not the system store.
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }

        return tls;
    }

    /// <summary>Completes when the host shuts down (Ctrl+C or SIGTERM when run as a process).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Long polls are cut off; workers retry elsewhere.
            }
        }

        _engine.Dispose();
        await _app.DisposeAsync();
    }
}
