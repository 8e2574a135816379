using System.Net;
using System.Net.Sockets;

namespace Platform.Workflows.Tests;

/// <summary>
/// A loopback TCP relay to a server that can be cut at once: every connection through it dies mid-stream and no new one
/// gets through, as when a worker's host loses power or its network. Nothing is closed gracefully on the client's behalf.
/// </summary>
internal sealed class ConnectionCutter : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource cut = new();
    private readonly List<TcpClient> connections = [];
    private readonly Lock gate = new();
    private readonly Task accepting;
    private readonly string targetHost;
    private readonly int targetPort;

    public ConnectionCutter(string target)
    {
        var separator = target.LastIndexOf(':');
        targetHost = target[..separator];
        targetPort = int.Parse(target[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        listener.Start();
        accepting = AcceptAsync();
    }

    /// <summary>host:port to connect to instead of the target.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    public void Cut()
    {
        cut.Cancel();
        listener.Stop();
        lock (gate)
        {
            foreach (var connection in connections)
            {
                // Linger 0: a reset, not a FIN — the peer learns nothing but that the connection is gone.
                connection.LingerState = new LingerOption(true, 0);
                connection.Dispose();
            }

            connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!cut.IsCancellationRequested)
        {
            Cut();
        }

        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        cut.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!cut.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cut.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(targetHost, targetPort, cut.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (gate)
            {
                connections.Add(client);
                connections.Add(server);
            }

            _ = PumpAsync(client.GetStream(), server.GetStream());
            _ = PumpAsync(server.GetStream(), client.GetStream());
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, cut.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // Cut, or one side went away: the other side sees its connection die.
        }
    }
}
