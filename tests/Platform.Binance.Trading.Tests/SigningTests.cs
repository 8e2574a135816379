
namespace Platform.Binance.Trading.Tests;

public sealed class SigningTests
{
    [Fact]
    public void HmacSign_BinanceDocumentedExample_MatchesSignature()
    {
        var signer = new HmacSha256Signer("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");

        var signature = signer.Sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");

        Assert.Equal("c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71", signature);
    }

    [Fact]
    public void EncodePayload_DocumentedParameters_IsTheSignedPayloadVerbatim()
    {
        var payload = BinanceTradingClient.EncodePayload([("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"), ("recvWindow", "5000"), ("timestamp", "1499827319559")]);

        Assert.Equal("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559", payload);
    }

    [Fact]
    public void EncodePayload_NonAsciiAndReserved_PercentEncodedBeforeSigning()
    {
        var payload = BinanceTradingClient.EncodePayload([("symbol", "１２３４５６"), ("newClientOrderId", "a b&c=d")]);

        Assert.Equal("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&newClientOrderId=a%20b%26c%3Dd", payload);
    }

    [Theory]
    [InlineData("", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("72", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData("af82", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    public void Ed25519Sign_Rfc8032Vectors_MatchSignature(string messageHex, string secretHex, string signatureHex)
    {
        var signer = new Ed25519Signer(Convert.FromHexString(secretHex));

        var signature = signer.SignBytes(Convert.FromHexString(messageHex));

        Assert.Equal(signatureHex, Convert.ToHexStringLower(signature));
    }

    [Fact]
    public void Ed25519FromPem_Pkcs8Key_SignsWhatThePublicKeyVerifies()
    {
        var seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        var pem = "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String([.. Convert.FromHexString("302e020100300506032b657004220420"), .. seed]) + "\n-----END PRIVATE KEY-----\n";
        var signer = Ed25519Signer.FromPem(pem);
        var verifier = Ed25519Verifier.FromPem(signer.PublicKeyPem());

        var signature = Convert.FromBase64String(signer.Sign("symbol=BTCUSDT&timestamp=1"));

        Assert.True(verifier.Verify("symbol=BTCUSDT&timestamp=1"u8.ToArray(), signature));
        Assert.False(verifier.Verify("symbol=BTCUSDT&timestamp=2"u8.ToArray(), signature));
        Assert.Contains("MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", signer.PublicKeyPem(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519FromPem_NotAKey_ThrowsWithoutEchoingTheFile()
    {
        var e = Assert.Throws<BinanceConfigurationException>(() => Ed25519Signer.FromPem("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END PRIVATE KEY-----"));

        Assert.DoesNotContain("c2VjcmV0LXN0dWZm", e.Message, StringComparison.Ordinal);
    }
}
