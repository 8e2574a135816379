using Platform.Binance.Trading;
using Platform.Domain.Trading;

namespace Platform.Exchange.Simulator.Trading;

/// <summary>A refusal in Binance's terms: HTTP status, error code and message.</summary>
internal sealed record ExchangeError(int Status, int Code, string Message);

internal sealed class SimulatedFill(long tradeId, decimal price, decimal quantity, decimal commission, string commissionAsset, DateTimeOffset time, bool maker)
{
    public long TradeId => tradeId;

    public decimal Price => price;

    public decimal Quantity => quantity;

    public decimal Commission => commission;

    public string CommissionAsset => commissionAsset;

    public DateTimeOffset Time => time;

    public bool Maker => maker;
}

/// <summary>An order at the simulated exchange (filled whole or not at all: replayed klines carry no depth).</summary>
internal sealed class SimulatedOrder
{
    public required long OrderId { get; init; }

    public required string ClientOrderId { get; init; }

    public required string Symbol { get; init; }

    public required OrderSide Side { get; init; }

    public required OrderType Type { get; init; }

    public required decimal Price { get; init; }

    public required decimal Quantity { get; init; }

    public required string TimeInForce { get; init; }

    public required DateTimeOffset Time { get; init; }

    public DateTimeOffset UpdateTime { get; set; }

    public string Status { get; set; } = "NEW";

    public decimal ExecutedQty { get; set; }

    public decimal CumulativeQuoteQty { get; set; }

    public List<SimulatedFill> Fills { get; } = [];

    public decimal LockedAmount { get; set; }

    /// <summary>Open time of the first replayed kline not yet checked against a resting LIMIT order.</summary>
    public DateTimeOffset CheckedFrom { get; set; }

    public bool IsOpen => Status == "NEW";
}

/// <summary>
/// The simulator's spot account and matching, in exact decimals. MARKET orders fill at once at the replay's last
/// price moved adversely by the slippage (the backtest's fill model: close × (1 ± bps/10000)), fee = rate × notional
/// in the quote asset. LIMIT orders that are marketable fill the same way, capped at their price; others rest, their
/// funds locked, and fill at their price when a replayed kline after them trades through it (low ≤ buy price, high ≥
/// sell price). Client order ids are unique per account: a repeat is refused with -2010 "Duplicate order sent.".
/// Thread-safe (one lock: the exchange is one sequential matching engine).
/// </summary>
internal sealed class SimulatedSpotExchange
{
    private readonly object gate = new();
    private readonly SimulatorTradingOptions options;
    private readonly CloseWithSlippageFillModel fills;
    private readonly MarketReplay replay;
    private readonly Dictionary<string, (decimal Free, decimal Locked)> balances = new(StringComparer.Ordinal);
    private readonly List<SimulatedOrder> orders = [];
    private readonly Dictionary<string, SimulatedOrder> byClientId = new(StringComparer.Ordinal);
    private long nextOrderId = 1;
    private long nextTradeId = 1;

    public SimulatedSpotExchange(SimulatorTradingOptions options, MarketReplay replay)
    {
        this.options = options;
        fills = new CloseWithSlippageFillModel(options.SlippageBps);
        this.replay = replay;
        foreach (var (asset, amount) in options.Balances)
        {
            balances[asset] = (amount, 0m);
        }
    }

    public SimulatorTradingOptions Options => options;

    /// <summary>The last traded price at the replay clock: the close so far of the newest kline that has begun trading.</summary>
    public decimal? LastPrice(string symbol)
    {
        if (!replay.HasSymbol(symbol))
        {
            return null;
        }

        var clock = replay.Clock;
        var rows = replay.KlinesUpToClock(symbol, null, clock - TimeSpan.FromTicks(1), 1);
        if (rows.Count > 0)
        {
            return rows[^1].Close;
        }

        var first = replay.KlinesUpToClock(symbol, clock, null, 1);
        return first.Count > 0 ? first[0].Open : null;
    }

    /// <summary>Validates and places an order; <paramref name="place"/> false: only validate (<c>/order/test</c>).</summary>
    public (SimulatedOrder? Order, ExchangeError? Error) Submit(string symbol, OrderSide side, OrderType type, decimal quantity, decimal? price, string timeInForce, string clientOrderId, bool place)
    {
        lock (gate)
        {
            MatchRestingOrders();
            if (byClientId.ContainsKey(clientOrderId))
            {
                return (null, new ExchangeError(400, -2010, "Duplicate order sent."));
            }

            if (LastPrice(symbol) is not { } last)
            {
                return (null, new ExchangeError(400, -1121, "Invalid symbol."));
            }

            var openCount = orders.Count(o => o.IsOpen && o.Symbol == symbol);
            if (options.Filters.FirstFailure(type, quantity, price, last, openCount) is { } failure)
            {
                return (null, new ExchangeError(400, -1013, "Filter failure: " + failure));
            }

            var (baseAsset, quoteAsset) = SymbolAssets.Split(symbol);
            var slipped = ExpectedFillPrice(side, last);
            var marketable = type == OrderType.Market || (side == OrderSide.Buy ? price >= last : price <= last);
            var fillPrice = type == OrderType.Market ? slipped
                : side == OrderSide.Buy ? Math.Min(price!.Value, slipped) : Math.Max(price!.Value, slipped);
            var reservePrice = marketable ? fillPrice : price!.Value;
            var (needAsset, need) = side == OrderSide.Buy
                ? (quoteAsset, Cost(quantity * reservePrice))
                : (baseAsset, quantity);
            if (Free(needAsset) < need)
            {
                return (null, new ExchangeError(400, -2010, "Account has insufficient balance for requested action."));
            }

            if (!place)
            {
                return (null, null);
            }

            var now = replay.Clock;
            var order = new SimulatedOrder
            {
                OrderId = nextOrderId++,
                ClientOrderId = clientOrderId,
                Symbol = symbol,
                Side = side,
                Type = type,
                Price = type == OrderType.Market ? 0m : price!.Value,
                Quantity = quantity,
                TimeInForce = type == OrderType.Market ? "GTC" : timeInForce,
                Time = now,
                UpdateTime = now,
                CheckedFrom = now,
            };
            orders.Add(order);
            byClientId[clientOrderId] = order;
            if (marketable)
            {
                Fill(order, fillPrice, now, maker: false);
            }
            else if (timeInForce is "IOC" or "FOK")
            {
                order.Status = "EXPIRED";
            }
            else
            {
                order.LockedAmount = need;
                Move(needAsset, -need, need);
            }

            return (order, null);
        }
    }

    public (SimulatedOrder? Order, ExchangeError? Error) Cancel(string symbol, long? orderId, string? clientOrderId)
    {
        lock (gate)
        {
            MatchRestingOrders();
            var order = Find(symbol, orderId, clientOrderId);
            if (order is null || !order.IsOpen)
            {
                return (null, new ExchangeError(400, -2011, "Unknown order sent."));
            }

            Release(order);
            order.Status = "CANCELED";
            order.UpdateTime = replay.Clock;
            return (order, null);
        }
    }

    public SimulatedOrder? Get(string symbol, long? orderId, string? clientOrderId)
    {
        lock (gate)
        {
            MatchRestingOrders();
            return Find(symbol, orderId, clientOrderId);
        }
    }

    /// <summary>Orders of a symbol (or all), oldest first; <paramref name="openOnly"/> for <c>openOrders</c>.</summary>
    public List<SimulatedOrder> Orders(string? symbol, bool openOnly)
    {
        lock (gate)
        {
            MatchRestingOrders();
            return [.. orders.Where(o => (symbol is null || o.Symbol == symbol) && (!openOnly || o.IsOpen))];
        }
    }

    public List<(SimulatedOrder Order, SimulatedFill Fill)> Trades(string symbol)
    {
        lock (gate)
        {
            MatchRestingOrders();
            return [.. orders.Where(o => o.Symbol == symbol).SelectMany(o => o.Fills.Select(f => (o, f))).OrderBy(t => t.f.TradeId)];
        }
    }

    public List<(string Asset, decimal Free, decimal Locked)> Balances()
    {
        lock (gate)
        {
            MatchRestingOrders();
            return [.. balances.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => (b.Key, b.Value.Free, b.Value.Locked))];
        }
    }

    /// <summary>The backtest's fill model: the reference price moved adversely by the slippage in basis points.</summary>
    public decimal ExpectedFillPrice(OrderSide side, decimal referencePrice) =>
        fills.ExpectedPrice(side == OrderSide.Buy ? TradeSide.Buy : TradeSide.Sell, referencePrice);

    /// <summary>What a buy of this notional costs with its fee (also what a resting buy locks).</summary>
    private decimal Cost(decimal notional) => notional + TradingFees.On(notional, options.FeeRate);

    private SimulatedOrder? Find(string symbol, long? orderId, string? clientOrderId)
    {
        var order = orderId is { } id ? orders.FirstOrDefault(o => o.OrderId == id)
            : clientOrderId is not null ? byClientId.GetValueOrDefault(clientOrderId)
            : null;
        return order?.Symbol == symbol ? order : null;
    }

    /// <summary>Fills resting LIMIT orders through the klines replayed since they were placed.</summary>
    private void MatchRestingOrders()
    {
        var clock = replay.Clock;
        foreach (var order in orders.Where(o => o.IsOpen && o.CheckedFrom < clock).ToList())
        {
            while (order.IsOpen)
            {
                var rows = replay.KlinesUpToClock(order.Symbol, order.CheckedFrom, clock - TimeSpan.FromTicks(1), 1000);
                foreach (var k in rows)
                {
                    var crossed = order.Side == OrderSide.Buy ? k.Low <= order.Price : k.High >= order.Price;
                    var closed = k.OpenTime + replay.Interval.Length <= clock;
                    if (crossed)
                    {
                        Release(order);
                        Fill(order, order.Price, closed ? k.OpenTime + replay.Interval.Length : clock, maker: true);
                        break;
                    }

                    if (!closed)
                    {
                        break;
                    }

                    order.CheckedFrom = k.OpenTime + replay.Interval.Length;
                }

                if (rows.Count < 1000)
                {
                    break;
                }
            }
        }
    }

    private void Fill(SimulatedOrder order, decimal price, DateTimeOffset time, bool maker)
    {
        var (baseAsset, quoteAsset) = SymbolAssets.Split(order.Symbol);
        var notional = order.Quantity * price;
        var fee = TradingFees.On(notional, options.FeeRate);
        if (order.Side == OrderSide.Buy)
        {
            Move(quoteAsset, -(notional + fee), 0);
            Move(baseAsset, order.Quantity, 0);
        }
        else
        {
            Move(baseAsset, -order.Quantity, 0);
            Move(quoteAsset, notional - fee, 0);
        }

        order.Fills.Add(new SimulatedFill(nextTradeId++, price, order.Quantity, fee, quoteAsset, time, maker));
        order.ExecutedQty = order.Quantity;
        order.CumulativeQuoteQty = notional;
        order.Status = "FILLED";
        order.UpdateTime = time;
    }

    private void Release(SimulatedOrder order)
    {
        if (order.LockedAmount > 0)
        {
            var (baseAsset, quoteAsset) = SymbolAssets.Split(order.Symbol);
            Move(order.Side == OrderSide.Buy ? quoteAsset : baseAsset, order.LockedAmount, -order.LockedAmount);
            order.LockedAmount = 0;
        }
    }

    private decimal Free(string asset) => balances.GetValueOrDefault(asset).Free;

    private void Move(string asset, decimal free, decimal locked)
    {
        var (f, l) = balances.GetValueOrDefault(asset);
        balances[asset] = (f + free, l + locked);
    }
}
