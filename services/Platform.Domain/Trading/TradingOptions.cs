namespace Platform.Domain.Trading;

public enum SizingMode
{
    /// <summary>Each buy is a fixed quantity of the base asset.</summary>
    FixedQuantity,

    /// <summary>Each buy spends a fraction of current equity (fees included).</summary>
    FractionOfEquity,
}

/// <summary>How the environment trades. Defaults: BTCUSDT spot, long only, 10,000 USDT, Binance taker fee 0.1%.</summary>
public sealed record TradingOptions
{
    public string Symbol { get; init; } = "BTCUSDT";

    public decimal InitialCash { get; init; } = 10_000m;

    /// <summary>Fee rate on each fill's notional, charged in the quote currency (0.001 = Binance's 0.1% taker fee).</summary>
    public decimal FeeRate { get; init; } = 0.001m;

    /// <summary>Adverse price move per fill in basis points: buys fill above, sells below the reference price.</summary>
    public decimal SlippageBps { get; init; }

    public SizingMode Sizing { get; init; } = SizingMode.FractionOfEquity;

    /// <summary>Base quantity per buy (FixedQuantity) or fraction of equity per buy (FractionOfEquity).</summary>
    public decimal SizeValue { get; init; } = 1m;

    /// <summary>How many buys may be open at once; each sell closes the oldest one (FIFO).</summary>
    public int MaxLots { get; init; } = 1;

    /// <summary>Exchange quantity step (BTCUSDT: 0.00001); quantities are rounded down to it.</summary>
    public decimal QuantityStep { get; init; } = 0.00001m;

    /// <summary>Orders below this notional are not sent (Binance's minimum notional for BTCUSDT is 5 USDT).</summary>
    public decimal MinNotional { get; init; } = 5m;

    /// <summary>Every problem with the options, as messages a user can act on.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Symbol))
        {
            errors.Add("symbol is required");
        }

        if (InitialCash <= 0)
        {
            errors.Add($"initial cash must be positive (got {InitialCash})");
        }

        if (FeeRate is < 0 or >= 0.1m)
        {
            errors.Add($"fee must be in [0, 0.1) as a fraction, e.g. 0.001 for 0.1% (got {FeeRate})");
        }

        if (SlippageBps is < 0 or >= 1000)
        {
            errors.Add($"slippage must be in [0, 1000) basis points (got {SlippageBps})");
        }

        if (Sizing == SizingMode.FractionOfEquity && SizeValue is <= 0 or > 1)
        {
            errors.Add($"fraction of equity per buy must be in (0, 1] (got {SizeValue})");
        }

        if (Sizing == SizingMode.FixedQuantity && SizeValue <= 0)
        {
            errors.Add($"fixed quantity per buy must be positive (got {SizeValue})");
        }

        if (MaxLots < 1)
        {
            errors.Add($"max lots must be at least 1 (got {MaxLots})");
        }

        if (QuantityStep <= 0)
        {
            errors.Add($"quantity step must be positive (got {QuantityStep})");
        }

        if (MinNotional < 0)
        {
            errors.Add($"minimum notional cannot be negative (got {MinNotional})");
        }

        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid trading options: " + string.Join("; ", errors));
        }
    }
}
