using Platform.Domain.Features;

namespace Platform.Domain.Trading;

/// <summary>What a policy knows when it decides at the close of row <see cref="Row"/>.</summary>
public readonly record struct Observation(int Row, int OpenLots, int MaxLots)
{
    public bool IsFlat => OpenLots == 0;

    public bool IsFull => OpenLots >= MaxLots;
}

/// <summary>The outcome of one step. <see cref="Reward"/> is the change in equity it caused (see <see cref="TradingEnvironment"/>).</summary>
public readonly record struct StepResult(Observation Next, decimal Reward, Trade? Trade, bool Done);

/// <summary>
/// The one trading loop for training, backtests, paper and live trading. At each row the agent acts at that row's
/// close (fills priced from the close, with slippage and fees); then time moves to the next row.
/// Reward of the action at row t = equity at the close of t+1 − equity at the close of t before acting: the price move
/// of what is held over the next hour, minus fees paid at t. On the last row it is just minus the fees.
/// </summary>
public sealed class TradingEnvironment
{
    private readonly MarketFrame frame;
    private readonly TradingOptions options;
    private readonly decimal[] equity;
    private readonly decimal[] cash;
    private readonly decimal[] position;
    private readonly List<Trade> trades = [];

    public TradingEnvironment(MarketFrame frame, TradingOptions options, int startRow, int endRow)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        if (frame.TradedSymbol != options.Symbol)
        {
            throw new ArgumentException($"The frame trades {frame.TradedSymbol} but the options say {options.Symbol}.");
        }

        if (startRow < 0 || endRow > frame.Length || startRow >= endRow)
        {
            throw new ArgumentOutOfRangeException(nameof(startRow), $"Rows [{startRow}, {endRow}) are not a non-empty range of the frame's {frame.Length} rows.");
        }

        this.frame = frame;
        this.options = options;
        StartRow = startRow;
        EndRow = endRow;
        equity = new decimal[endRow - startRow];
        cash = new decimal[endRow - startRow];
        position = new decimal[endRow - startRow];
        Account = new Account(options);
        Row = startRow;
    }

    public int StartRow { get; }

    public int EndRow { get; }

    /// <summary>The row at whose close the next action happens.</summary>
    public int Row { get; private set; }

    public bool Done { get; private set; }

    public Account Account { get; private set; }

    public MarketFrame Frame => frame;

    public TradingOptions Options => options;

    public Observation Observation => new(Row, Account.OpenLots, options.MaxLots);

    /// <summary>Equity after each row's action, marked at that row's close.</summary>
    public ReadOnlySpan<decimal> EquityCurve => equity.AsSpan(0, Row - StartRow + (Done ? 1 : 0));

    public ReadOnlySpan<decimal> CashCurve => cash.AsSpan(0, Row - StartRow + (Done ? 1 : 0));

    public ReadOnlySpan<decimal> PositionCurve => position.AsSpan(0, Row - StartRow + (Done ? 1 : 0));

    public IReadOnlyList<Trade> Trades => trades;

    public Observation Reset()
    {
        Account = new Account(options);
        trades.Clear();
        Row = StartRow;
        Done = false;
        return Observation;
    }

    public StepResult Step(TradeAction action)
    {
        if (Done)
        {
            throw new InvalidOperationException("The episode is over; call Reset().");
        }

        var price = frame.TradedClose[Row];
        var before = Account.Equity(price);
        Trade? trade = action switch
        {
            TradeAction.Buy => Account.Buy(frame.OpenTime(Row), price),
            TradeAction.Sell => Account.Sell(frame.OpenTime(Row), price),
            TradeAction.Hold => null,
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action."),
        };
        if (trade is not null)
        {
            trades.Add(trade);
        }

        var i = Row - StartRow;
        equity[i] = Account.Equity(price);
        cash[i] = Account.Cash;
        position[i] = Account.Quantity;
        if (Row + 1 >= EndRow)
        {
            Done = true;
            return new StepResult(Observation, equity[i] - before, trade, true);
        }

        Row++;
        var reward = Account.Equity(frame.TradedClose[Row]) - before;
        return new StepResult(Observation, reward, trade, false);
    }
}
