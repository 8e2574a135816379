using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;

namespace Platform.Binance.Trading.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void Validate_LiveWithoutExplicitOptIn_Throws()
    {
        var e = Assert.Throws<BinanceConfigurationException>(() => new BinanceTradingOptions { Mode = BinanceTradingMode.Live }.Validate());

        Assert.Contains("AllowLive", e.Message, StringComparison.Ordinal);
        new BinanceTradingOptions { Mode = BinanceTradingMode.Live, AllowLive = true }.Validate();
    }

    [Fact]
    public void ResolvedBaseUri_Modes_SimulatorByDefault()
    {
        Assert.Equal(BinanceTradingOptions.SimulatorBase, new BinanceTradingOptions().ResolvedBaseUri);
        Assert.Equal("sim/time", new BinanceTradingOptions().TimeSyncPath);
        Assert.Equal(BinanceTradingOptions.TestnetBase, new BinanceTradingOptions { Mode = BinanceTradingMode.Testnet }.ResolvedBaseUri);
        Assert.Equal("api/v3/time", new BinanceTradingOptions { Mode = BinanceTradingMode.Testnet }.TimeSyncPath);
        Assert.Throws<BinanceConfigurationException>(() => new BinanceTradingOptions { Mode = BinanceTradingMode.Testnet, BaseUri = new Uri("http://example.com/") }.Validate());
    }

    [Fact]
    public void FromSecretsFile_HmacAndEd25519_ReadWithoutShowingSecrets()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            var hmacFile = Path.Combine(directory.FullName, "hmac.env");
            File.WriteAllText(hmacFile, "# keys\nBINANCE_API_KEY=abcd1234key\nBINANCE_API_SECRET=\"top-secret-value\"\n");
            var seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
            File.WriteAllText(Path.Combine(directory.FullName, "ed.pem"), "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String([.. Convert.FromHexString("302e020100300506032b657004220420"), .. seed]) + "\n-----END PRIVATE KEY-----\n");
            var edFile = Path.Combine(directory.FullName, "ed.env");
            File.WriteAllText(edFile, "BINANCE_API_KEY=edkey\nBINANCE_PRIVATE_KEY_FILE=ed.pem\n");
            var brokenFile = Path.Combine(directory.FullName, "broken.env");
            File.WriteAllText(brokenFile, "BINANCE_API_KEY=abcd\ntop-secret-value\n");

            var hmac = BinanceCredentials.FromSecretsFile(hmacFile);
            var ed = BinanceCredentials.FromSecretsFile(edFile);
            var broken = Assert.Throws<BinanceConfigurationException>(() => BinanceCredentials.FromSecretsFile(brokenFile));

            Assert.Equal("abcd1234key", hmac.ApiKey);
            Assert.Equal(new HmacSha256Signer("top-secret-value").Sign("x"), hmac.Signer.Sign("x"));
            Assert.DoesNotContain("top-secret-value", hmac.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("1234key", hmac.ToString(), StringComparison.Ordinal);
            Assert.IsType<Ed25519Signer>(ed.Signer);
            Assert.DoesNotContain("top-secret-value", broken.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void FaultSpecParse_OrderFaults_ReadAndPrinted()
    {
        var spec = FaultSpec.Parse("order5xx=3,ordertimeout=4,hang=9,reject2010=5,order429=6,burst=2");

        Assert.Equal((3, 4, TimeSpan.FromSeconds(9), 5, 6, 2), (spec.Order5xx, spec.OrderTimeout, spec.Hang, spec.Reject2010, spec.Order429, spec.Burst));
        Assert.Equal("order5xx=3,ordertimeout=4,reject2010=5,order429=6,retryafter=1,hang=9,burst=2", spec.ToString());
    }

    [Fact]
    public void ParseBalances_AssetsAndAmounts_ReadExactly()
    {
        Assert.Equal(new Dictionary<string, decimal> { ["USDT"] = 10_000m, ["BTC"] = 0.12345678m }, SimulatorTradingOptions.ParseBalances("USDT=10000, btc=0.12345678"));
        Assert.Throws<FormatException>(() => SimulatorTradingOptions.ParseBalances("USDT=-5"));
        Assert.Throws<FormatException>(() => SimulatorTradingOptions.ParseBalances("USDT"));
    }

    [Fact]
    public void Validate_KeyWithoutSecret_Throws()
    {
        Assert.Throws<Platform.Domain.InvalidRequestException>(() => new SimulatorTradingOptions { ApiKey = "k" }.Validate());
    }
}
