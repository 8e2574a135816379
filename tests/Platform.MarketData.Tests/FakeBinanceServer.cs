using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.MarketData.Tests;

/// <summary>
/// A loopback HTTP server shaped like data.binance.vision and /api/v3/klines, for download tests.
/// Serves files from <see cref="Files"/> and klines of a synthetic hourly series; can answer 429 first.
/// </summary>
internal sealed class FakeBinanceServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private int throttleNext;

    public FakeBinanceServer()
    {
        var port = FreePort();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(BaseUri.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    public Dictionary<string, byte[]> Files { get; } = [];

    public List<string> Requests { get; } = [];

    public DateTimeOffset SeriesStart { get; set; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public int SeriesHours { get; set; } = 2500;

    public void ThrottleNext(int count) => throttleNext = count;

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed while waiting for a request: the normal way out.
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath.TrimStart('/');
            lock (Requests)
            {
                Requests.Add(path);
            }

            byte[] body;
            if (Interlocked.Decrement(ref throttleNext) >= 0)
            {
                context.Response.StatusCode = 429;
                context.Response.AddHeader("Retry-After", "0");
                body = Encoding.UTF8.GetBytes("""{"code":-1003,"msg":"Too many requests."}""");
            }
            else if (path == "api/v3/klines")
            {
                (context.Response.StatusCode, body) = Klines(context.Request.QueryString);
            }
            else if (Files.TryGetValue(path, out var file))
            {
                body = file;
            }
            else
            {
                context.Response.StatusCode = 404;
                body = Encoding.UTF8.GetBytes("<Error>NoSuchKey</Error>");
            }

            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private (int Status, byte[] Body) Klines(System.Collections.Specialized.NameValueCollection query)
    {
        if (query["symbol"] != "BTCUSDT")
        {
            return (400, Encoding.UTF8.GetBytes("""{"code":-1121,"msg":"Invalid symbol."}"""));
        }

        var start = long.Parse(query["startTime"]!, CultureInfo.InvariantCulture);
        var end = long.Parse(query["endTime"]!, CultureInfo.InvariantCulture);
        var limit = int.Parse(query["limit"]!, CultureInfo.InvariantCulture);
        var rows = new List<string>();
        for (var h = 0; h < SeriesHours && rows.Count < limit; h++)
        {
            var t = SeriesStart.AddHours(h).ToUnixTimeMilliseconds();
            if (t >= start && t <= end)
            {
                var price = (40_000 + h).ToString(CultureInfo.InvariantCulture) + ".50000000";
                rows.Add($"[{t},\"{price}\",\"{price}\",\"{price}\",\"{price}\",\"1.5\",{t + 3_599_999},\"60000.75\",12,\"0.7\",\"28000.35\",\"0\"]");
            }
        }

        return (200, Encoding.UTF8.GetBytes("[" + string.Join(',', rows) + "]"));
    }
}
