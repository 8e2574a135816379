using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Exchange.Simulator.Endpoints;
using Platform.Exchange.Simulator.Trading;
using Platform.MarketData;

namespace Platform.Exchange.Simulator;

/// <summary>What <c>GET /sim/status</c> answers.</summary>
public sealed record SimulatorStatus(
    DateTimeOffset Clock,
    DateTimeOffset From,
    DateTimeOffset To,
    bool Finished,
    string Speed,
    string Faults,
    int Connections,
    long ConnectionsOpened,
    long ClosedKlinesReplayed,
    long EventsSent,
    long Dropped,
    long Malformed,
    long Duplicated,
    long Reordered,
    long Shutdowns,
    long SlowConsumersClosed,
    long RestRequests,
    long Rest429,
    long Rest418,
    long Rest5xx,
    long HoldWaits = 0,
    long HoldsExpired = 0);

/// <summary>
/// A simulated Binance exchange on Kestrel: replays the klines of a directory as Binance WebSocket kline streams and
/// serves Binance's REST market data up to the replay clock and its spot trading subset (Trading/), with optional fault injection, so the platform's Binance
/// client runs unchanged against it. Endpoints are grouped by module (market data, streams, <c>/sim</c>); trading
/// endpoints join as one more module over the same replay clock. Start with <see cref="StartAsync"/>, dispose to stop.
/// </summary>
public sealed class ExchangeSimulator : IAsyncDisposable
{
    public const string InstrumentationName = "Platform.Exchange.Simulator";

    private static readonly ActivitySource Source = new(InstrumentationName);
    private static readonly Meter SimulatorMeter = new(InstrumentationName);

    private readonly WebApplication app;
    private readonly CancellationTokenSource stop = new();
    private readonly Task replayLoop;

    private ExchangeSimulator(WebApplication app, MarketReplay replay, SimulatorOptions options, Uri baseAddress)
    {
        this.app = app;
        Replay = replay;
        Options = options;
        BaseAddress = baseAddress;
        replayLoop = Task.Run(() => replay.RunAsync(stop.Token));
    }

    /// <summary>The address clients use (REST and WebSocket), e.g. <c>http://127.0.0.1:9443/</c>.</summary>
    public Uri BaseAddress { get; }

    public SimulatorOptions Options { get; }

    /// <summary>Completes when the replay clock reaches the end of the replay.</summary>
    public Task Finished => Replay.Finished;

    public SimulatorStatus Status
    {
        get
        {
            var s = Replay.Stats;
            return new SimulatorStatus(
                Replay.Clock, Replay.From, Replay.To, Replay.IsFinished, Options.Speed.ToString(), Options.Faults.ToString(), Replay.ConnectionCount,
                Interlocked.Read(ref s.Connections), Interlocked.Read(ref s.ClosedEventsReplayed), Interlocked.Read(ref s.EventsSent),
                Interlocked.Read(ref s.Dropped), Interlocked.Read(ref s.Malformed), Interlocked.Read(ref s.Duplicated), Interlocked.Read(ref s.Reordered),
                Interlocked.Read(ref s.Shutdowns), Interlocked.Read(ref s.SlowConsumersClosed), Interlocked.Read(ref s.RestRequests),
                Interlocked.Read(ref s.Rest429), Interlocked.Read(ref s.Rest418), Interlocked.Read(ref s.Rest5xx),
                Interlocked.Read(ref s.HoldWaits), Interlocked.Read(ref s.HoldsExpired));
        }
    }

    internal MarketReplay Replay { get; }

    /// <summary>Closed klines the replay streams for a symbol (from the data, within --from/--to): what a loss-free client ends with.</summary>
    public IReadOnlyList<Platform.Domain.MarketData.Kline> ReplayedKlines(string symbol) => Replay.ReplayedKlines(symbol);

    public static async Task<ExchangeSimulator> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var data = MarketDataLoader.LoadDirectory(options.DataDirectory, options.Interval).Data;
        var replay = new MarketReplay(options, data);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (options.LogToConsole)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        }

        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(SimulatorOptions.ParseHost(options.Host)!, options.Port);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        try
        {
            app.UseWebSockets();
            app.Use(TraceAsync);
            var gate = new RestGate(options.Faults, new RequestWeight(options.WeightLimitPerMinute), replay.Stats);
            MarketDataEndpoints.Map(app, replay, gate, options.Trading);
            TradingEndpoints.Map(app, new SimulatedSpotExchange(options.Trading, replay), gate, options.Faults);
            StreamEndpoints.Map(app, replay, options);
            ClockHoldEndpoints.Map(app, replay);
            ExchangeSimulator? simulator = null;
            app.MapGet("/sim/status", context => BinanceHttp.WriteJsonAsync(context.Response, JsonSerializer.Serialize(simulator!.Status, StatusJson)));
            app.MapFallback(context => BinanceHttp.WriteErrorAsync(context.Response, 404, BinanceHttp.UnknownEndpoint, $"Unknown endpoint {context.Request.Method} {context.Request.Path}."));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            simulator = new ExchangeSimulator(app, replay, options, new Uri(address.EndsWith('/') ? address : address + "/"));
            return simulator;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web);

    private static async Task TraceAsync(HttpContext context, Func<Task> next)
    {
        using var activity = Source.StartActivity(context.Request.Method + " " + context.Request.Path, ActivityKind.Server);
        await next().ConfigureAwait(false);
        activity?.SetTag("http.response.status_code", context.Response.StatusCode);
        if (context.Response.StatusCode >= 400)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("status", context.Response.StatusCode));
        }
    }

    private static readonly Counter<long> Errors = SimulatorMeter.CreateCounter<long>("exchange.simulator.errors", description: "REST answers with an error status (injected or not).");

    /// <summary>Completes when the host stops (Ctrl+C) or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStopping = app.Lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
        using var onCancel = cancellationToken.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await replayLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-replay.
        }

        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
    }
}
