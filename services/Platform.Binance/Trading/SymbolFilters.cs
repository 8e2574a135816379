using System.Globalization;
using System.Text.Json;

namespace Platform.Binance.Trading;

public enum OrderSide
{
    Buy,
    Sell,
}

public enum OrderType
{
    Market,
    Limit,
}

/// <summary>
/// The <c>exchangeInfo</c> filters an order must pass, for one symbol. A zero field disables its rule, as on Binance.
/// <c>MIN_NOTIONAL</c> (older) and <c>NOTIONAL</c> (newer) both land in <see cref="MinNotional"/>.
/// </summary>
public sealed record SymbolFilters
{
    public decimal MinPrice { get; init; }

    public decimal MaxPrice { get; init; }

    public decimal TickSize { get; init; }

    public decimal MinQty { get; init; }

    public decimal MaxQty { get; init; }

    public decimal StepSize { get; init; }

    public decimal MinNotional { get; init; }

    public decimal MaxNotional { get; init; }

    /// <summary>Whether the notional bounds apply to MARKET orders (checked against the reference price).</summary>
    public bool NotionalAppliesToMarket { get; init; } = true;

    /// <summary>Open orders allowed per symbol (<c>MAX_NUM_ORDERS</c>); 0 = no limit.</summary>
    public int MaxNumOrders { get; init; }

    /// <summary>Reads the filters of one <c>exchangeInfo</c> symbol; unknown filter types are ignored.</summary>
    public static SymbolFilters Parse(IEnumerable<string> filtersJson)
    {
        ArgumentNullException.ThrowIfNull(filtersJson);
        var filters = new SymbolFilters();
        foreach (var json in filtersJson)
        {
            using var document = JsonDocument.Parse(json);
            var f = document.RootElement;
            decimal D(string name) => f.TryGetProperty(name, out var v) ? decimal.Parse(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture) : 0m;
            bool B(string name) => !f.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.False;
            filters = f.GetProperty("filterType").GetString() switch
            {
                "PRICE_FILTER" => filters with { MinPrice = D("minPrice"), MaxPrice = D("maxPrice"), TickSize = D("tickSize") },
                "LOT_SIZE" => filters with { MinQty = D("minQty"), MaxQty = D("maxQty"), StepSize = D("stepSize") },
                "MIN_NOTIONAL" => filters with { MinNotional = D("minNotional"), NotionalAppliesToMarket = B("applyToMarket") },
                "NOTIONAL" => filters with { MinNotional = D("minNotional"), MaxNotional = D("maxNotional"), NotionalAppliesToMarket = B("applyMinToMarket") },
                "MAX_NUM_ORDERS" => filters with { MaxNumOrders = (int)D("maxNumOrders") },
                _ => filters,
            };
        }

        return filters;
    }

    /// <summary>The filters as <c>exchangeInfo</c> lists them (decimal strings, as Binance sends them).</summary>
    public IReadOnlyList<object> ToExchangeInfo()
    {
        static string S(decimal d) => d.ToString("0.00000000", CultureInfo.InvariantCulture);
        return
        [
            new Dictionary<string, object> { ["filterType"] = "PRICE_FILTER", ["minPrice"] = S(MinPrice), ["maxPrice"] = S(MaxPrice), ["tickSize"] = S(TickSize) },
            new Dictionary<string, object> { ["filterType"] = "LOT_SIZE", ["minQty"] = S(MinQty), ["maxQty"] = S(MaxQty), ["stepSize"] = S(StepSize) },
            new Dictionary<string, object> { ["filterType"] = "NOTIONAL", ["minNotional"] = S(MinNotional), ["applyMinToMarket"] = NotionalAppliesToMarket, ["maxNotional"] = S(MaxNotional), ["applyMaxToMarket"] = false, ["avgPriceMins"] = 5 },
            new Dictionary<string, object> { ["filterType"] = "MAX_NUM_ORDERS", ["maxNumOrders"] = MaxNumOrders },
        ];
    }

    /// <summary>
    /// Rounds an order onto the symbol's grid: quantity down to the step (never more than asked), a BUY price down
    /// and a SELL price up to the tick (never a worse price than asked). Pure; no rule is checked here.
    /// </summary>
    public (decimal Quantity, decimal? Price) Round(OrderSide side, decimal quantity, decimal? price)
    {
        var q = StepSize > 0 ? Math.Floor(quantity / StepSize) * StepSize : quantity;
        decimal? p = price is { } raw && TickSize > 0
            ? (side == OrderSide.Buy ? Math.Floor(raw / TickSize) : Math.Ceiling(raw / TickSize)) * TickSize
            : price;
        return (q / 1.0000000000000000000000000000m, p / 1.0000000000000000000000000000m);
    }

    /// <summary>
    /// The first filter the order fails, as Binance names it (<c>PRICE_FILTER</c>, <c>LOT_SIZE</c>, <c>NOTIONAL</c>), or
    /// null. MARKET orders are checked against <paramref name="referencePrice"/>; <paramref name="openOrders"/> is the
    /// symbol's open orders before this one (<c>MAX_NUM_ORDERS</c>).
    /// </summary>
    public string? FirstFailure(OrderType type, decimal quantity, decimal? price, decimal referencePrice, int openOrders)
    {
        if (type == OrderType.Limit)
        {
            if (price is not { } p || p <= 0 || (MinPrice > 0 && p < MinPrice) || (MaxPrice > 0 && p > MaxPrice) || (TickSize > 0 && p % TickSize != 0))
            {
                return "PRICE_FILTER";
            }
        }

        if (quantity <= 0 || (MinQty > 0 && quantity < MinQty) || (MaxQty > 0 && quantity > MaxQty) || (StepSize > 0 && quantity % StepSize != 0))
        {
            return "LOT_SIZE";
        }

        if (type == OrderType.Limit || NotionalAppliesToMarket)
        {
            var notional = quantity * (type == OrderType.Limit ? price!.Value : referencePrice);
            if ((MinNotional > 0 && notional < MinNotional) || (MaxNotional > 0 && notional > MaxNotional))
            {
                return "NOTIONAL";
            }
        }

        return MaxNumOrders > 0 && openOrders >= MaxNumOrders ? "MAX_NUM_ORDERS" : null;
    }
}

/// <summary>Pre-send filter step of the trading client: round onto the grid, then check what Binance would check.</summary>
public static class OrderFilters
{
    /// <summary>
    /// The order rounded onto <paramref name="filters"/>' grid, or a <see cref="BinanceTradingException"/> of kind
    /// <see cref="BinanceErrorKind.FilterFailure"/> naming the filter it still fails (notional is checked after
    /// rounding; MARKET orders against <paramref name="referencePrice"/>). Pure.
    /// </summary>
    public static NewOrder Apply(NewOrder order, SymbolFilters filters, decimal referencePrice, int openOrders = 0)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(filters);
        var (quantity, price) = filters.Round(order.Side, order.Quantity, order.Type == OrderType.Limit ? order.Price : null);
        var rounded = order with { Quantity = quantity, Price = price };
        return filters.FirstFailure(order.Type, quantity, price, referencePrice, openOrders) is { } failure
            ? throw new BinanceTradingException(
                $"Order {order.ClientOrderId} on {order.Symbol} not sent: Filter failure: {failure} (quantity {quantity.ToString(CultureInfo.InvariantCulture)}, price {(price ?? referencePrice).ToString(CultureInfo.InvariantCulture)}).",
                BinanceErrorKind.FilterFailure,
                0,
                -1013)
            : rounded;
    }
}
