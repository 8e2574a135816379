using Platform.Domain;
using System.Globalization;
using Platform.Binance.Trading;
using Platform.Domain.Trading;

namespace Platform.Exchange.Simulator.Trading;

/// <summary>
/// The simulator's spot account and matching rules (<c>platform exchange simulate --api-key/--api-secret/--balances
/// ...</c>). Fees and slippage default to the backtest's (<see cref="TradingOptions"/>), so fills can match it exactly.
/// </summary>
public sealed class SimulatorTradingOptions
{
    private static readonly TradingOptions Backtest = new();

    /// <summary>The API key clients send as <c>X-MBX-APIKEY</c>; without one every signed endpoint answers -2015.</summary>
    public string? ApiKey { get; set; }

    /// <summary>HMAC-SHA256 secret of <see cref="ApiKey"/>.</summary>
    public string? ApiSecret { get; set; }

    /// <summary>Ed25519 public key (PEM) of <see cref="ApiKey"/>; when set, signatures are checked as Ed25519 instead of HMAC.</summary>
    public string? Ed25519PublicKeyPem { get; set; }

    /// <summary>Initial free balances by asset.</summary>
    public IDictionary<string, decimal> Balances { get; init; } = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["USDT"] = Backtest.InitialCash };

    /// <summary>Commission rate on each fill's notional, charged in the quote asset as the backtest books it.</summary>
    public decimal FeeRate { get; set; } = Backtest.FeeRate;

    /// <summary>Adverse move of MARKET fills from the last price, in basis points (the backtest's fill model).</summary>
    public decimal SlippageBps { get; set; } = Backtest.SlippageBps;

    /// <summary>Filters every symbol trades under (exchangeInfo lists them; orders failing them get -1013).</summary>
    public SymbolFilters Filters { get; set; } = new()
    {
        MinPrice = 0.01m,
        MaxPrice = 1_000_000m,
        TickSize = 0.01m,
        MinQty = Backtest.QuantityStep,
        MaxQty = 9_000m,
        StepSize = Backtest.QuantityStep,
        MinNotional = Backtest.MinNotional,
        MaxNotional = 9_000_000m,
        MaxNumOrders = 200,
    };

    /// <summary>New orders per 10 seconds before 429 -1015 (Binance's ORDERS limit; read from exchangeInfo).</summary>
    public int OrdersPer10Seconds { get; set; } = 100;

    public int OrdersPerDay { get; set; } = 200_000;

    /// <summary>Parses <c>USDT=10000,BTC=0.5</c>.</summary>
    public static Dictionary<string, decimal> ParseBalances(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var balances = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0 || !pair[0].All(char.IsAsciiLetterOrDigit)
                || !decimal.TryParse(pair[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                throw new FormatException($"--balances: '{part}' is not ASSET=AMOUNT with a non-negative decimal amount (e.g. USDT=10000).");
            }

            balances[pair[0].ToUpperInvariant()] = amount;
        }

        return balances;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (ApiKey is { Length: > 0 } && string.IsNullOrEmpty(ApiSecret) && string.IsNullOrEmpty(Ed25519PublicKeyPem))
        {
            throw new InvalidRequestException("--api-key needs --api-secret (HMAC) or --api-public-key-file (Ed25519).");
        }

        if (!string.IsNullOrEmpty(Ed25519PublicKeyPem))
        {
            Ed25519Verifier.FromPem(Ed25519PublicKeyPem);
        }

        if (FeeRate is < 0 or >= 0.1m)
        {
            throw new InvalidRequestException($"--fee must be in [0, 0.1) as a fraction (got {FeeRate}).");
        }

        if (SlippageBps is < 0 or >= 1000)
        {
            throw new InvalidRequestException($"--slippage-bps must be in [0, 1000) (got {SlippageBps}).");
        }

        if (Balances.Values.Any(v => v < 0) || OrdersPer10Seconds < 1 || OrdersPerDay < 1)
        {
            throw new InvalidRequestException("Balances must be non-negative and order rate limits positive.");
        }
    }
}
