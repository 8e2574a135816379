namespace Platform.Domain.Trading;

/// <summary>
/// Exact spot accounting in <see cref="decimal"/>: cash, open lots (FIFO), fees, realised P&amp;L. Invariant, to the
/// last digit: InitialCash + RealizedPnl + UnrealizedPnl(price) == Equity(price).
/// </summary>
public sealed class Account
{
    private readonly Queue<Lot> lots = new();

    public Account(TradingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        Options = options;
        Cash = options.InitialCash;
    }

    public TradingOptions Options { get; }

    public decimal Cash { get; private set; }

    public decimal Quantity { get; private set; }

    public int OpenLots => lots.Count;

    public decimal RealizedPnl { get; private set; }

    public decimal FeesPaid { get; private set; }

    public decimal TradedNotional { get; private set; }

    public int BuyCount { get; private set; }

    public int SellCount { get; private set; }

    public int ClosedLots { get; private set; }

    public int WinningLots { get; private set; }

    /// <summary>What the open lots cost, buy fees included.</summary>
    public decimal OpenCost { get; private set; }

    public decimal Equity(decimal price) => Cash + (Quantity * price);

    public decimal UnrealizedPnl(decimal price) => (Quantity * price) - OpenCost;

    /// <summary>Quantity of the lot the next sell closes (FIFO); null when flat.</summary>
    public decimal? OldestLotQuantity => lots.Count > 0 ? lots.Peek().Quantity : null;

    /// <summary>
    /// Books a fill: a buy opens a lot (notional + fee leave the cash), a sell closes the oldest lot and must be for its
    /// whole quantity. The fee is the options' rate on the fill's notional, in the quote currency.
    /// </summary>
    public Trade Apply(Fill fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (fill.Quantity <= 0 || fill.Price <= 0)
        {
            throw new ArgumentException($"A fill needs a positive quantity and price (got {fill.Quantity} at {fill.Price}).", nameof(fill));
        }

        var notional = fill.Quantity * fill.Price;
        var fee = TradingFees.On(notional, Options.FeeRate);
        decimal pnl = 0m;
        if (fill.Side == TradeSide.Buy)
        {
            if (lots.Count >= Options.MaxLots)
            {
                throw new InvalidOperationException($"All {Options.MaxLots} lots are open; the buy cannot be booked.");
            }

            Cash -= notional + fee;
            Quantity += fill.Quantity;
            OpenCost += notional + fee;
            BuyCount++;
            lots.Enqueue(new Lot(fill.Quantity, notional + fee));
        }
        else
        {
            if (lots.Count == 0 || lots.Peek().Quantity != fill.Quantity)
            {
                throw new InvalidOperationException($"A sell closes the oldest lot ({OldestLotQuantity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none open"}), not {fill.Quantity}.");
            }

            var lot = lots.Dequeue();
            pnl = notional - fee - lot.Cost;
            Cash += notional - fee;
            Quantity -= lot.Quantity;
            OpenCost -= lot.Cost;
            RealizedPnl += pnl;
            SellCount++;
            ClosedLots++;
            if (pnl > 0)
            {
                WinningLots++;
            }
        }

        FeesPaid += fee;
        TradedNotional += notional;
        return new Trade(fill.Time, fill.Side, fill.ReferencePrice, fill.Price, fill.Quantity, notional, fee, pnl, Cash, Quantity);
    }

    private readonly record struct Lot(decimal Quantity, decimal Cost);
}
