using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Platform.Exchange.Simulator.Endpoints;

/// <summary>Binance's answer conventions: JSON bodies, <c>{code, msg}</c> errors, the used-weight header.</summary>
internal static class BinanceHttp
{
    public const int InvalidSymbol = -1121;
    public const int InvalidInterval = -1120;
    public const int MandatoryParameter = -1102;
    public const int IllegalParameter = -1100;
    public const int TooManyRequests = -1003;
    public const int Disconnected = -1001;
    public const int UnknownEndpoint = -1000;

    public static Task WriteJsonAsync(HttpResponse response, string json, int status = StatusCodes.Status200OK)
    {
        response.StatusCode = status;
        response.ContentType = "application/json;charset=UTF-8";
        return response.WriteAsync(json);
    }

    /// <summary>Binance writes messages as they are (quotes and apostrophes unescaped).</summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteErrorAsync(HttpResponse response, int status, int code, string message) =>
        WriteJsonAsync(response, JsonSerializer.Serialize(new { code, msg = message }, Json), status);

    public static Task MandatoryAsync(HttpResponse response, string parameter) =>
        WriteErrorAsync(response, 400, MandatoryParameter, $"Mandatory parameter '{parameter}' was not sent, was empty/null, or malformed.");

    /// <summary>A ms or µs timestamp parameter; <c>ok = false</c> when present but not a timestamp.</summary>
    public static (DateTimeOffset? Value, bool Ok) Time(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return (null, true);
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return (null, false);
        }

        // Binance accepts both units for parameters, told apart by magnitude.
        return value >= 100_000_000_000_000 ? (DateTimeOffset.UnixEpoch.AddTicks(value * 10), true) : (DateTimeOffset.FromUnixTimeMilliseconds(value), true);
    }

    public static bool WantsMicroseconds(HttpRequest request) =>
        string.Equals(request.Headers["X-MBX-TIME-UNIT"].ToString(), "MICROSECOND", StringComparison.OrdinalIgnoreCase)
        || string.Equals(request.Query["timeUnit"].ToString(), "MICROSECOND", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The IP's request weight in the current wall-clock minute, as Binance counts it (here: one client address space).</summary>
internal sealed class RequestWeight(int limitPerMinute)
{
    private readonly object gate = new();
    private long minute = -1;
    private int used;

    public int Limit => limitPerMinute;

    /// <summary>Adds <paramref name="weight"/>; returns the minute's total and whether it is within the limit.</summary>
    public (int Used, bool Allowed) Take(int weight)
    {
        lock (gate)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
            if (now != minute)
            {
                minute = now;
                used = 0;
            }

            used += weight;
            return (used, used <= limitPerMinute);
        }
    }

    public static int SecondsToNextMinute() => 60 - (int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 60);
}
