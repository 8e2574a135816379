namespace Platform.Domain.Trading;

/// <summary>What a policy's action means as an order: side and base quantity, before the market fills it.</summary>
public sealed record SizedOrder(TradeSide Side, decimal Quantity);

/// <summary>The fee rule every venue model shares: a rate on the traded notional, charged in the quote asset.</summary>
public static class TradingFees
{
    public static decimal On(decimal notional, decimal feeRate) => notional * feeRate;
}

/// <summary>An executed order as the venue reports it: the reference price it was sent at and the price it filled at.</summary>
public sealed record Fill(DateTimeOffset Time, TradeSide Side, decimal ReferencePrice, decimal Price, decimal Quantity);

/// <summary>How orders fill. The backtest's and the paper account's model is <see cref="CloseWithSlippageFillModel"/>.</summary>
public interface IFillModel
{
    /// <summary>The price an order of <paramref name="side"/> is expected to fill at, for sizing.</summary>
    decimal ExpectedPrice(TradeSide side, decimal referencePrice);

    Fill Execute(SizedOrder order, DateTimeOffset time, decimal referencePrice);
}

/// <summary>Fills at the reference price (the bar's close) moved adversely by a fixed slippage in basis points.</summary>
public sealed class CloseWithSlippageFillModel : IFillModel
{
    private readonly decimal buyFactor;
    private readonly decimal sellFactor;

    public CloseWithSlippageFillModel(decimal slippageBps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slippageBps);
        buyFactor = 1m + (slippageBps / 10_000m);
        sellFactor = 1m - (slippageBps / 10_000m);
    }

    public decimal ExpectedPrice(TradeSide side, decimal referencePrice) =>
        referencePrice * (side == TradeSide.Buy ? buyFactor : sellFactor);

    public Fill Execute(SizedOrder order, DateTimeOffset time, decimal referencePrice)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new Fill(time, order.Side, referencePrice, ExpectedPrice(order.Side, referencePrice), order.Quantity);
    }
}

/// <summary>
/// Sizing: turns an action into an order for the account as it stands. A buy spends a fraction of equity or a fixed
/// quantity (what the cash affords at the expected fill, fees included), rounded down to the exchange step, and is not
/// sent below the minimum notional or when every lot is open; a sell closes the oldest lot (FIFO). Null: no order.
/// </summary>
public static class OrderSizing
{
    public static SizedOrder? For(TradeAction action, Account account, decimal referencePrice, IFillModel fills)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(fills);
        if (referencePrice <= 0)
        {
            return null;
        }

        var options = account.Options;
        switch (action)
        {
            case TradeAction.Hold:
                return null;
            case TradeAction.Sell:
                return account.OldestLotQuantity is { } lot ? new SizedOrder(TradeSide.Sell, lot) : null;
            case TradeAction.Buy:
                if (account.OpenLots >= options.MaxLots)
                {
                    return null;
                }

                var fill = fills.ExpectedPrice(TradeSide.Buy, referencePrice);
                var costPerUnit = fill * (1m + options.FeeRate);
                var affordable = account.Cash / costPerUnit;
                var wanted = options.Sizing == SizingMode.FixedQuantity
                    ? options.SizeValue
                    : account.Equity(referencePrice) * options.SizeValue / costPerUnit;
                var quantity = Math.Floor(Math.Min(wanted, affordable) / options.QuantityStep) * options.QuantityStep;
                var notional = quantity * fill;
                return quantity <= 0 || notional < options.MinNotional || notional <= 0 ? null : new SizedOrder(TradeSide.Buy, quantity);
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action.");
        }
    }
}
