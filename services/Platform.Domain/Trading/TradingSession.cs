using System.Runtime.InteropServices;

namespace Platform.Domain.Trading;

/// <summary>What one closed bar did to the session: the trade (if any) and equity before and after acting, at the close.</summary>
public readonly record struct SessionStep(Trade? Trade, decimal EquityBefore, decimal EquityAfter);

/// <summary>
/// An open-ended trading session: one account and the record of every closed bar (time, price, equity, cash, position
/// after acting, and the trades). Each <see cref="Close"/> acts at one bar's close: sizing (<see cref="OrderSizing"/>)
/// turns the action into an order, the fill model fills it, the account books it. The backtest, the training
/// environment and a live or paper path drive the same session bar by bar, so they share one accounting.
/// </summary>
public sealed class TradingSession
{
    private readonly List<long> openTimeMs;
    private readonly List<decimal> price;
    private readonly List<decimal> equity;
    private readonly List<decimal> cash;
    private readonly List<decimal> position;
    private readonly List<Trade> trades = [];

    /// <param name="fills">How orders fill (default: the bar's close with the options' slippage).</param>
    /// <param name="expectedBars">Room reserved for this many bars (a backtest knows its length; a live session does not).</param>
    public TradingSession(TradingOptions options, IFillModel? fills = null, int expectedBars = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        Options = options;
        Fills = fills ?? new CloseWithSlippageFillModel(options.SlippageBps);
        Account = new Account(options);
        openTimeMs = new List<long>(expectedBars);
        price = new List<decimal>(expectedBars);
        equity = new List<decimal>(expectedBars);
        cash = new List<decimal>(expectedBars);
        position = new List<decimal>(expectedBars);
    }

    public TradingOptions Options { get; }

    public IFillModel Fills { get; }

    public Account Account { get; private set; }

    public int Bars => equity.Count;

    public IReadOnlyList<Trade> Trades => trades;

    public ReadOnlySpan<long> OpenTimeMs => CollectionsMarshal.AsSpan(openTimeMs);

    /// <summary>The reference (close) price of each bar.</summary>
    public ReadOnlySpan<decimal> Prices => CollectionsMarshal.AsSpan(price);

    /// <summary>Equity after each bar's action, marked at that bar's close.</summary>
    public ReadOnlySpan<decimal> EquityCurve => CollectionsMarshal.AsSpan(equity);

    public ReadOnlySpan<decimal> CashCurve => CollectionsMarshal.AsSpan(cash);

    public ReadOnlySpan<decimal> PositionCurve => CollectionsMarshal.AsSpan(position);

    /// <summary>Acts at the close of the bar that opened at <paramref name="openTime"/> and records the bar.</summary>
    public SessionStep Close(DateTimeOffset openTime, decimal closePrice, TradeAction action)
    {
        CheckBar(openTime, closePrice);
        var fill = Size(action, closePrice) is { } order ? Fills.Execute(order, openTime, closePrice) : null;
        return Book(openTime, closePrice, fill);
    }

    /// <summary>The order an action means for the account as it stands, at a bar's close (null: no order).</summary>
    public SizedOrder? Size(TradeAction action, decimal closePrice) => OrderSizing.For(action, Account, closePrice, Fills);

    /// <summary>
    /// Records the bar that opened at <paramref name="openTime"/> with the fill a venue reported for its order (null:
    /// none). <see cref="Close"/> is this with the session's own fill model; an exchange-backed session books the fills
    /// the exchange reports, in the same account.
    /// </summary>
    public SessionStep Book(DateTimeOffset openTime, decimal closePrice, Fill? fill)
    {
        CheckBar(openTime, closePrice);
        var before = Account.Equity(closePrice);
        Trade? trade = null;
        if (fill is not null)
        {
            trade = Account.Apply(fill);
            trades.Add(trade);
        }

        var after = Account.Equity(closePrice);
        openTimeMs.Add(openTime.ToUnixTimeMilliseconds());
        price.Add(closePrice);
        equity.Add(after);
        cash.Add(Account.Cash);
        position.Add(Account.Quantity);
        return new SessionStep(trade, before, after);
    }

    /// <summary>Why an action that is not a hold gives no order for the account as it stands.</summary>
    public string NoOrderReason(TradeAction action) => action == TradeAction.Buy
        ? $"already holding {Account.OpenLots} of {Options.MaxLots} lot(s), or too little cash"
        : "no open lot to sell";

    /// <summary>The open time of the last bar recorded, or null before the first.</summary>
    public DateTimeOffset? LastBar => openTimeMs.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(openTimeMs[^1]) : null;

    private void CheckBar(DateTimeOffset openTime, decimal closePrice)
    {
        var openMs = openTime.ToUnixTimeMilliseconds();
        if (openTimeMs.Count > 0 && openMs <= openTimeMs[^1])
        {
            throw new ArgumentException($"Bar {openTime:yyyy-MM-dd HH:mm} is not after the session's last bar {DateTimeOffset.FromUnixTimeMilliseconds(openTimeMs[^1]):yyyy-MM-dd HH:mm}.", nameof(openTime));
        }

        if (closePrice <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(closePrice), closePrice, "A bar's close must be positive.");
        }
    }

    /// <summary>Starts over: a fresh account and an empty record.</summary>
    public void Reset()
    {
        Account = new Account(Options);
        openTimeMs.Clear();
        price.Clear();
        equity.Clear();
        cash.Clear();
        position.Clear();
        trades.Clear();
    }
}
