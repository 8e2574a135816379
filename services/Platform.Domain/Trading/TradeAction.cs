namespace Platform.Domain.Trading;

/// <summary>The three actions of the paper's agents. The numeric values are the Q-network's output indices.</summary>
public enum TradeAction
{
    Hold = 0,
    Buy = 1,
    Sell = 2,
}

public enum TradeSide
{
    Buy,
    Sell,
}

/// <summary>One executed order. Money in the quote currency (USDT), quantity in the base asset.</summary>
public sealed record Trade(
    DateTimeOffset Time,
    TradeSide Side,
    decimal Price,
    decimal FillPrice,
    decimal Quantity,
    decimal Notional,
    decimal Fee,
    decimal RealizedPnl,
    decimal CashAfter,
    decimal PositionAfter);
