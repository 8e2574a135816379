using Platform.Domain.Trading;

namespace Platform.Domain.Execution;

/// <summary>An order as the exchange reports it, with its executions (empty when nothing filled).</summary>
public sealed record OrderReport(ExchangeOrder Order, IReadOnlyList<OrderFill> Fills)
{
    /// <summary>The executions as one fill of the backtest's accounting (average price, whole executed quantity), at the bar's time.</summary>
    public Fill? AsFill(DateTimeOffset barTime, decimal referencePrice) => Order.ExecutedQuantity > 0 && Order.AveragePrice is { } average
        ? new Fill(barTime, Order.Side, referencePrice, average, Order.ExecutedQuantity)
        : null;
}

/// <summary>A base and a quote balance of the account at the exchange (free plus locked).</summary>
public sealed record ExchangeBalances(string BaseAsset, decimal Base, string QuoteAsset, decimal Quote);

/// <summary>
/// The exchange as the execution service uses it: market orders with the intent's client order id, queries by that id,
/// open orders, cancels, balances, the last price and the symbol's filters. Adapters: Binance's REST API (the simulator,
/// the testnet and the live exchange speak it). An order whose fate is not known (a 5XX or a timeout after sending)
/// throws <see cref="OrderStatusUnknownException"/>; a refusal throws <see cref="OrderRejectedException"/>.
/// </summary>
public interface IOrderGateway
{
    TradingMode Mode { get; }

    /// <summary>Places a MARKET order for the intent (side, quantity, client order id); the answer includes its fills.</summary>
    Task<OrderReport> PlaceMarketOrderAsync(OrderIntent intent, CancellationToken cancellationToken = default);

    /// <summary>The order with this client order id and its fills, or null when the exchange never received it.</summary>
    Task<OrderReport?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ExchangeOrder>> GetOpenOrdersAsync(string symbol, CancellationToken cancellationToken = default);

    Task<ExchangeOrder> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    Task<ExchangeBalances> GetBalancesAsync(string symbol, CancellationToken cancellationToken = default);

    Task<decimal> GetLastPriceAsync(string symbol, CancellationToken cancellationToken = default);

    /// <summary>Why the exchange's filters (lot size, notional, price, open orders) would refuse the order, or null.</summary>
    Task<string?> CheckFiltersAsync(string symbol, TradeSide side, decimal quantity, decimal referencePrice, CancellationToken cancellationToken = default);
}

/// <summary>
/// The market clock a replaying exchange holds for the execution service (the simulator's clock holds): it does not move
/// past the close of a bar of the symbol until that bar is done, so a market order for the bar fills at its close — as in
/// the backtest. Live exchanges have no such clock; the service then has none.
/// </summary>
public interface IMarketClockHold
{
    /// <summary>Starts (or resumes) holding; returns the open time of the first bar the hold waits for.</summary>
    Task<DateTimeOffset> StartAsync(string symbol, CancellationToken cancellationToken = default);

    /// <summary>Every bar opening at or before <paramref name="barOpenTime"/> is done: the clock may move on to the next bar's close.</summary>
    Task DoneThroughAsync(string symbol, DateTimeOffset barOpenTime, CancellationToken cancellationToken = default);

    Task StopAsync(string symbol, CancellationToken cancellationToken = default);
}

/// <summary>The exchange refused an order: it was not placed.</summary>
public sealed class OrderRejectedException : Exception
{
    public OrderRejectedException()
    {
    }

    public OrderRejectedException(string message)
        : base(message)
    {
    }

    public OrderRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exchange asks to come back later (rate limit): the order was not placed and may be sent again then.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The exchange already has an order with this client order id: this one was not placed, the earlier one may be.</summary>
    public bool DuplicateClientOrderId { get; init; }
}

/// <summary>No definite answer to an order: it may or may not be placed. Query by client order id before anything else.</summary>
public sealed class OrderStatusUnknownException : Exception
{
    public OrderStatusUnknownException()
    {
    }

    public OrderStatusUnknownException(string message)
        : base(message)
    {
    }

    public OrderStatusUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
