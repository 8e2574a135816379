using System.CommandLine;
using System.Globalization;
using Platform.Binance.Trading;
using Platform.Exchange.Simulator.Trading;

namespace Platform.Cli.Commands;

/// <summary>The trading options of <c>platform exchange simulate</c>: keys, balances, fee, slippage, order rate limit.</summary>
internal sealed class SimulatorTradingCli
{
    private readonly Option<string?> apiKey = new("--api-key") { Description = $"API key clients must send (default: {BinanceCredentials.ApiKeyVariable}, or {BinanceCredentials.SecretsFileVariable})" };
    private readonly Option<string?> apiSecret = new("--api-secret") { Description = $"HMAC-SHA256 secret of the key (default: {BinanceCredentials.ApiSecretVariable})" };
    private readonly Option<string?> publicKeyFile = new("--api-public-key-file") { Description = "Ed25519 public key (PEM) of the key: signatures are checked as Ed25519 instead of HMAC" };
    private readonly Option<string> balances = new("--balances") { Description = "Initial balances, e.g. USDT=10000,BTC=0.5", DefaultValueFactory = _ => "USDT=10000" };
    private readonly Option<decimal?> fee = new("--fee") { Description = "Commission on each fill's notional, as a fraction (default: the backtest's 0.001)" };
    private readonly Option<decimal?> slippage = new("--slippage-bps") { Description = "Adverse slippage of MARKET fills in basis points (default: the backtest's)" };
    private readonly Option<int> ordersPer10s = new("--orders-per-10s") { Description = "ORDERS rate limit per 10 seconds (429 -1015 past it)", DefaultValueFactory = _ => 100 };

    public static SimulatorTradingCli Options() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(apiKey);
        command.Options.Add(apiSecret);
        command.Options.Add(publicKeyFile);
        command.Options.Add(balances);
        command.Options.Add(fee);
        command.Options.Add(slippage);
        command.Options.Add(ordersPer10s);
    }

    /// <summary>Keys from the flags, else the platform's environment (the simulator checks against what the client will send).</summary>
    public SimulatorTradingOptions Read(ParseResult parse)
    {
        var key = parse.GetValue(apiKey);
        var secret = parse.GetValue(apiSecret);
        if (key is null && secret is null && parse.GetValue(publicKeyFile) is null)
        {
            (key, secret) = FromEnvironment();
        }

        var options = new SimulatorTradingOptions
        {
            ApiKey = key,
            ApiSecret = secret,
            Ed25519PublicKeyPem = parse.GetValue(publicKeyFile) is { } file ? File.ReadAllText(file) : null,
            Balances = SimulatorTradingOptions.ParseBalances(parse.GetValue(balances)!),
            OrdersPer10Seconds = parse.GetValue(ordersPer10s),
        };
        if (parse.GetValue(fee) is { } f)
        {
            options.FeeRate = f;
        }

        if (parse.GetValue(slippage) is { } s)
        {
            options.SlippageBps = s;
        }

        return options;
    }

    public static string Describe(SimulatorTradingOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"Trading: {(options.ApiKey is { Length: > 0 } ? (options.Ed25519PublicKeyPem is null ? "HMAC" : "Ed25519") + " key configured" : "no API key (signed endpoints answer -2015)")}; balances {string.Join(',', options.Balances.Select(b => $"{b.Key}={b.Value}"))}; fee {options.FeeRate}; slippage {options.SlippageBps} bps.");

    /// <summary>The HMAC key pair as the platform reads it: the secrets file when set, else the variables.</summary>
    private static (string? Key, string? Secret) FromEnvironment()
    {
        var variables = Environment.GetEnvironmentVariable(BinanceCredentials.SecretsFileVariable) is { Length: > 0 } path
            ? BinanceCredentials.ReadSecretsFile(path)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return (variables.GetValueOrDefault(BinanceCredentials.ApiKeyVariable) ?? Environment.GetEnvironmentVariable(BinanceCredentials.ApiKeyVariable),
            variables.GetValueOrDefault(BinanceCredentials.ApiSecretVariable) ?? Environment.GetEnvironmentVariable(BinanceCredentials.ApiSecretVariable));
    }
}
