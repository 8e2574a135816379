using Platform.Domain.Execution;
using Platform.Domain.Trading;
using DomainOrderType = Platform.Domain.Execution.OrderType;

namespace Platform.Binance.Trading;

/// <summary>
/// The execution service's exchange port over <see cref="BinanceTradingClient"/>: the simulator (paper), the testnet or
/// the live exchange, by the client's mode. Orders go out exactly as sized (the risk guard checked the filters); a
/// status unknown stays unknown (the caller queries by client order id); rate limits come back with their Retry-After.
/// </summary>
public sealed class BinanceOrderGateway(BinanceTradingClient client) : IOrderGateway
{
    private readonly BinanceTradingClient client = client ?? throw new ArgumentNullException(nameof(client));

    public TradingMode Mode => client.Options.Mode switch
    {
        BinanceTradingMode.Simulator => TradingMode.Paper,
        BinanceTradingMode.Testnet => TradingMode.Testnet,
        _ => TradingMode.Live,
    };

    public async Task<OrderReport> PlaceMarketOrderAsync(OrderIntent intent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var order = new NewOrder(intent.Symbol, intent.Side == TradeSide.Buy ? OrderSide.Buy : OrderSide.Sell, OrderType.Market, intent.Quantity, intent.ClientOrderId);
        try
        {
            var placed = await client.PlaceOrderAsync(order, cancellationToken).ConfigureAwait(false);
            return Report(placed, [.. placed.Fills.Select(f => Fill(placed, f.TradeId, f.Price, f.Quantity, f.Commission, f.CommissionAsset, placed.UpdateTime))]);
        }
        catch (BinanceOrderStatusUnknownException e)
        {
            throw new OrderStatusUnknownException(e.Message, e);
        }
        catch (BinanceTradingException e)
        {
            throw Rejected(e);
        }
    }

    public async Task<OrderReport?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        try
        {
            if (await client.GetOrderAsync(symbol, clientOrderId, cancellationToken).ConfigureAwait(false) is not { } order)
            {
                return null;
            }

            var trades = order.ExecutedQty > 0
                ? await client.GetMyTradesAsync(symbol, 1000, order.OrderId, cancellationToken).ConfigureAwait(false)
                : [];
            return Report(order, [.. trades.Select(t => Fill(order, t.Id, t.Price, t.Quantity, t.Commission, t.CommissionAsset, t.Time))]);
        }
        catch (BinanceTradingException e) when (e.Kind is not (BinanceErrorKind.Authentication or BinanceErrorKind.Banned))
        {
            // The query itself failed (after the client's own retries): the order's fate is still unknown.
            throw new OrderStatusUnknownException(e.Message, e);
        }
    }

    public async Task<IReadOnlyList<ExchangeOrder>> GetOpenOrdersAsync(string symbol, CancellationToken cancellationToken = default) =>
        [.. (await client.GetOpenOrdersAsync(symbol, cancellationToken).ConfigureAwait(false)).Select(Order)];

    public async Task<ExchangeOrder> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) =>
        Order(await client.CancelOrderAsync(symbol, clientOrderId, cancellationToken).ConfigureAwait(false));

    public async Task<ExchangeBalances> GetBalancesAsync(string symbol, CancellationToken cancellationToken = default)
    {
        var (baseAsset, quoteAsset) = SymbolAssets.Split(symbol.ToUpperInvariant());
        var account = await client.GetAccountAsync(cancellationToken).ConfigureAwait(false);
        var b = account.Balance(baseAsset);
        var q = account.Balance(quoteAsset);
        return new ExchangeBalances(baseAsset, b.Free + b.Locked, quoteAsset, q.Free + q.Locked);
    }

    public Task<decimal> GetLastPriceAsync(string symbol, CancellationToken cancellationToken = default) => client.GetLastPriceAsync(symbol, cancellationToken);

    public async Task<string?> CheckFiltersAsync(string symbol, TradeSide side, decimal quantity, decimal referencePrice, CancellationToken cancellationToken = default)
    {
        var filters = await client.GetFiltersAsync(symbol, cancellationToken).ConfigureAwait(false);
        var open = filters.MaxNumOrders > 0 ? (await client.GetOpenOrdersAsync(symbol, cancellationToken).ConfigureAwait(false)).Count : 0;
        return filters.FirstFailure(OrderType.Market, quantity, null, referencePrice, open);
    }

    private static OrderRejectedException Rejected(BinanceTradingException e) => new(e.Message, e)
    {
        RetryAfter = e.Kind is BinanceErrorKind.RateLimited ? e.RetryAfter ?? TimeSpan.FromSeconds(1) : null,
        DuplicateClientOrderId = e.Code == -2010 && e.Message.Contains("Duplicate order", StringComparison.OrdinalIgnoreCase),
    };

    private OrderReport Report(BinanceOrder order, IReadOnlyList<Platform.Domain.Execution.OrderFill> fills) => new(Order(order), fills);

    private ExchangeOrder Order(BinanceOrder o) => new(
        Mode,
        o.Symbol,
        o.OrderId,
        o.ClientOrderId,
        o.Side == "BUY" ? TradeSide.Buy : TradeSide.Sell,
        o.Type == "MARKET" ? DomainOrderType.Market : DomainOrderType.Limit,
        o.Status switch
        {
            "NEW" or "PENDING_NEW" => ExchangeOrderStatus.New,
            "PARTIALLY_FILLED" => ExchangeOrderStatus.PartiallyFilled,
            "FILLED" => ExchangeOrderStatus.Filled,
            "CANCELED" => ExchangeOrderStatus.Canceled,
            "PENDING_CANCEL" => ExchangeOrderStatus.PendingCancel,
            "REJECTED" => ExchangeOrderStatus.Rejected,
            _ => ExchangeOrderStatus.Expired,
        },
        o.Type == "MARKET" ? null : o.Price,
        o.OrigQty,
        o.ExecutedQty,
        o.CumulativeQuoteQty,
        o.Time,
        o.UpdateTime);

    private Platform.Domain.Execution.OrderFill Fill(BinanceOrder order, long tradeId, decimal price, decimal quantity, decimal commission, string commissionAsset, DateTimeOffset time) =>
        new(Mode, order.Symbol, tradeId, order.OrderId, order.ClientOrderId, order.Side == "BUY" ? TradeSide.Buy : TradeSide.Sell, price, quantity, commission, commissionAsset, time);
}
