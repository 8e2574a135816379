using System.Net;
using System.Text.Json;

namespace Platform.Binance;

/// <summary>A Binance error answer: <c>{"code": -1121, "msg": "Invalid symbol."}</c>, or an HTTP or protocol failure.</summary>
public sealed class BinanceApiException : Exception
{
    public BinanceApiException(string message, int httpStatus, int? code)
        : base(message)
    {
        HttpStatus = httpStatus;
        Code = code;
    }

    public BinanceApiException()
        : base("Binance request failed")
    {
    }

    public BinanceApiException(string message)
        : base(message)
    {
    }

    public BinanceApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>HTTP status of the answer; 0 when no answer came (a transport failure).</summary>
    public int HttpStatus { get; }

    /// <summary>Binance's error code (e.g. -1121 invalid symbol, -1003 too many requests), when the body had one.</summary>
    public int? Code { get; }

    /// <summary>The exception for an error answer: Binance's <c>{code, msg}</c> when the body is one, else the status alone.</summary>
    public static BinanceApiException FromAnswer(string path, int status, string body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            if (error.RootElement.ValueKind == JsonValueKind.Object
                && error.RootElement.TryGetProperty("code", out var code) && code.TryGetInt32(out var value)
                && error.RootElement.TryGetProperty("msg", out var msg))
            {
                return new BinanceApiException($"Binance error {value} (HTTP {status}) for {path}: {msg.GetString()}", status, value);
            }
        }
        catch (JsonException)
        {
            // Not Binance's JSON error shape (e.g. a proxy's page): report the status alone.
        }

        var reason = status == (int)HttpStatusCode.Forbidden ? " (WAF block)" : "";
        return new BinanceApiException($"HTTP {status}{reason} for {path}", status, null);
    }
}

/// <summary>The client configuration is invalid (found when the client or session is built, never mid-stream).</summary>
public sealed class BinanceConfigurationException : Exception
{
    public BinanceConfigurationException()
    {
    }

    public BinanceConfigurationException(string message)
        : base(message)
    {
    }

    public BinanceConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
