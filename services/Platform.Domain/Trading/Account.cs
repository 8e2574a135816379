namespace Platform.Domain.Trading;

/// <summary>
/// Exact spot accounting in <see cref="decimal"/>: cash, open lots (FIFO), fees, realised P&amp;L. Invariant, to the
/// last digit: InitialCash + RealizedPnl + UnrealizedPnl(price) == Equity(price).
/// </summary>
public sealed class Account
{
    private readonly TradingOptions options;
    private readonly Queue<Lot> lots = new();
    private readonly decimal buyFactor;
    private readonly decimal sellFactor;

    public Account(TradingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        this.options = options;
        buyFactor = 1m + (options.SlippageBps / 10_000m);
        sellFactor = 1m - (options.SlippageBps / 10_000m);
        Cash = options.InitialCash;
    }

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

    /// <summary>Buys one lot at <paramref name="price"/> (before slippage); null when no lot fits (full, too little cash, below minimum).</summary>
    public Trade? Buy(DateTimeOffset time, decimal price)
    {
        if (lots.Count >= options.MaxLots || price <= 0)
        {
            return null;
        }

        var fill = price * buyFactor;
        var costPerUnit = fill * (1m + options.FeeRate);
        var affordable = Cash / costPerUnit;
        var wanted = options.Sizing == SizingMode.FixedQuantity
            ? options.SizeValue
            : Equity(price) * options.SizeValue / costPerUnit;
        var quantity = RoundDown(Math.Min(wanted, affordable));
        var notional = quantity * fill;
        if (quantity <= 0 || notional < options.MinNotional || notional <= 0)
        {
            return null;
        }

        var fee = notional * options.FeeRate;
        Cash -= notional + fee;
        Quantity += quantity;
        FeesPaid += fee;
        TradedNotional += notional;
        OpenCost += notional + fee;
        BuyCount++;
        lots.Enqueue(new Lot(quantity, notional + fee));
        return new Trade(time, TradeSide.Buy, price, fill, quantity, notional, fee, 0m, Cash, Quantity);
    }

    /// <summary>Sells the oldest open lot; null when flat.</summary>
    public Trade? Sell(DateTimeOffset time, decimal price)
    {
        if (lots.Count == 0 || price <= 0)
        {
            return null;
        }

        var lot = lots.Dequeue();
        var fill = price * sellFactor;
        var notional = lot.Quantity * fill;
        var fee = notional * options.FeeRate;
        var pnl = notional - fee - lot.Cost;
        Cash += notional - fee;
        Quantity -= lot.Quantity;
        FeesPaid += fee;
        TradedNotional += notional;
        OpenCost -= lot.Cost;
        RealizedPnl += pnl;
        SellCount++;
        ClosedLots++;
        if (pnl > 0)
        {
            WinningLots++;
        }

        return new Trade(time, TradeSide.Sell, price, fill, lot.Quantity, notional, fee, pnl, Cash, Quantity);
    }

    private decimal RoundDown(decimal quantity) => Math.Floor(quantity / options.QuantityStep) * options.QuantityStep;

    private readonly record struct Lot(decimal Quantity, decimal Cost);
}
