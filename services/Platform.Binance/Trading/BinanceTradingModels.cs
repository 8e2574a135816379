namespace Platform.Binance.Trading;

/// <summary>
/// A new order. <see cref="ClientOrderId"/> is required: it is the order's identity for idempotency — after a status
/// unknown, <see cref="BinanceTradingClient.GetOrderAsync"/> by this id says whether it exists.
/// </summary>
public sealed record NewOrder(string Symbol, OrderSide Side, OrderType Type, decimal Quantity, string ClientOrderId)
{
    /// <summary>Limit price (LIMIT only).</summary>
    public decimal? Price { get; init; }

    /// <summary>GTC, IOC or FOK (LIMIT only; default GTC).</summary>
    public string TimeInForce { get; init; } = "GTC";
}

public sealed record OrderFill(decimal Price, decimal Quantity, decimal Commission, string CommissionAsset, long TradeId);

/// <summary>An order as Binance reports it (<c>newOrderRespType=FULL</c> answers add <see cref="Fills"/>).</summary>
public sealed record BinanceOrder(
    string Symbol,
    long OrderId,
    string ClientOrderId,
    decimal Price,
    decimal OrigQty,
    decimal ExecutedQty,
    decimal CumulativeQuoteQty,
    string Status,
    string TimeInForce,
    string Type,
    string Side,
    DateTimeOffset Time,
    DateTimeOffset UpdateTime,
    IReadOnlyList<OrderFill> Fills)
{
    public bool IsOpen => Status is "NEW" or "PARTIALLY_FILLED" or "PENDING_NEW";
}

public sealed record AssetBalance(string Asset, decimal Free, decimal Locked);

public sealed record BinanceAccount(bool CanTrade, decimal MakerCommission, decimal TakerCommission, IReadOnlyList<AssetBalance> Balances)
{
    /// <summary>The account's id (<c>uid</c>): what a live start must confirm.</summary>
    public long? Uid { get; init; }

    public AssetBalance Balance(string asset) => Balances.FirstOrDefault(b => b.Asset == asset) ?? new AssetBalance(asset, 0, 0);
}

/// <summary>One fill of <c>myTrades</c>.</summary>
public sealed record BinanceTrade(string Symbol, long Id, long OrderId, decimal Price, decimal Quantity, decimal QuoteQuantity, decimal Commission, string CommissionAsset, DateTimeOffset Time, bool IsBuyer, bool IsMaker);

/// <summary>What a Binance error means for the caller.</summary>
public enum BinanceErrorKind
{
    /// <summary>Any other rejection (bad parameter, bad symbol, ...): the order was not placed.</summary>
    Rejected,

    /// <summary>-1013 "Filter failure: NAME".</summary>
    FilterFailure,

    /// <summary>-2010 insufficient balance (or another new-order rejection such as a duplicate client order id).</summary>
    NewOrderRejected,

    /// <summary>-2011 cancel rejected / -2013 no such order.</summary>
    UnknownOrder,

    /// <summary>429 (-1003 weight, -1015 orders): not executed; retry after <see cref="BinanceTradingException.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>418: the IP is banned for <see cref="BinanceTradingException.RetryAfter"/>.</summary>
    Banned,

    /// <summary>-1021 timestamp outside recvWindow (after one resync), -1022 bad signature, -2014/-2015 key rejected.</summary>
    Authentication,
}
