namespace Platform.Binance.Trading;

/// <summary>
/// Binance refused a trading request: it was not executed. <see cref="Kind"/> says why; the message never holds a
/// key, a secret or a signature.
/// </summary>
public class BinanceTradingException : Exception
{
    public BinanceTradingException(string message, BinanceErrorKind kind, int httpStatus, int? code, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        HttpStatus = httpStatus;
        Code = code;
        RetryAfter = retryAfter;
    }

    public BinanceTradingException()
        : base("Binance trading request failed")
    {
    }

    public BinanceTradingException(string message)
        : base(message)
    {
    }

    public BinanceTradingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BinanceErrorKind Kind { get; }

    public int HttpStatus { get; }

    public int? Code { get; }

    /// <summary>Binance's <c>Retry-After</c> on 429/418.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>For <see cref="BinanceErrorKind.FilterFailure"/>: the filter named by "Filter failure: NAME".</summary>
    public string? Filter => Kind == BinanceErrorKind.FilterFailure && Message.LastIndexOf("Filter failure: ", StringComparison.Ordinal) is var i and >= 0
        ? new string([.. Message[(i + 16)..].TakeWhile(c => char.IsAsciiLetterUpper(c) || c == '_')])
        : null;
}

/// <summary>
/// An order request was sent and no definite answer came back (a 5XX, a timeout, a broken connection): Binance may or
/// may not have placed it. Never resend: query by <see cref="ClientOrderId"/> first
/// (<see cref="BinanceTradingClient.GetOrderAsync"/> or <see cref="BinanceTradingClient.ResolveUnknownAsync"/>).
/// </summary>
public sealed class BinanceOrderStatusUnknownException : Exception
{
    public BinanceOrderStatusUnknownException(string symbol, string clientOrderId, string reason, Exception? innerException = null)
        : base($"Order {clientOrderId} on {symbol}: status unknown ({reason}); query it by client order id before anything else.", innerException)
    {
        Symbol = symbol;
        ClientOrderId = clientOrderId;
    }

    public BinanceOrderStatusUnknownException()
        : base("Order status unknown")
    {
        Symbol = "";
        ClientOrderId = "";
    }

    public BinanceOrderStatusUnknownException(string message)
        : base(message)
    {
        Symbol = "";
        ClientOrderId = "";
    }

    public BinanceOrderStatusUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
        Symbol = "";
        ClientOrderId = "";
    }

    public string Symbol { get; }

    public string ClientOrderId { get; }
}
