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
