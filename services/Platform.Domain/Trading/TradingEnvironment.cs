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
/// A <see cref="TradingSession"/> over a fixed row range of a frame, for training and backtests: at each row the agent
/// acts at that row's close; then time moves to the next row.
/// Reward of the action at row t = equity at the close of t+1 − equity at the close of t before acting: the price move
/// of what is held over the next hour, minus fees paid at t. On the last row it is just minus the fees.
/// </summary>
public sealed class TradingEnvironment
{
    private readonly MarketFrame frame;

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
        StartRow = startRow;
        EndRow = endRow;
        Session = new TradingSession(options, expectedBars: endRow - startRow);
        Row = startRow;
    }

    public int StartRow { get; }

    public int EndRow { get; }

    /// <summary>The row at whose close the next action happens.</summary>
    public int Row { get; private set; }

    public bool Done { get; private set; }

    public TradingSession Session { get; }

    public Account Account => Session.Account;

    public MarketFrame Frame => frame;

    public TradingOptions Options => Session.Options;

    public Observation Observation => new(Row, Account.OpenLots, Options.MaxLots);

    /// <summary>Equity after each row's action, marked at that row's close.</summary>
    public ReadOnlySpan<decimal> EquityCurve => Session.EquityCurve;

    public ReadOnlySpan<decimal> CashCurve => Session.CashCurve;

    public ReadOnlySpan<decimal> PositionCurve => Session.PositionCurve;

    public IReadOnlyList<Trade> Trades => Session.Trades;

    public Observation Reset()
    {
        Session.Reset();
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

        var step = Session.Close(frame.OpenTime(Row), frame.TradedClose[Row], action);
        if (Row + 1 >= EndRow)
        {
            Done = true;
            return new StepResult(Observation, step.EquityAfter - step.EquityBefore, step.Trade, true);
        }

        Row++;
        var reward = Account.Equity(frame.TradedClose[Row]) - step.EquityBefore;
        return new StepResult(Observation, reward, step.Trade, false);
    }
}
