using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Binance.Trading;

namespace Platform.Exchange.Simulator.Trading;

/// <summary>
/// Binance's checks of a SIGNED request: the API key (<c>X-MBX-APIKEY</c>), <c>timestamp</c> within
/// <c>recvWindow</c> of the exchange's clock (and at most 1 s ahead), and the signature over the exact payload as
/// sent (query string then body, <c>signature</c> removed), HMAC-SHA256 hex or Ed25519 base64.
/// </summary>
internal sealed class RequestSecurity
{
    private readonly SimulatorTradingOptions options;
    private readonly Ed25519Verifier? ed25519;
    private readonly byte[]? hmacKey;

    public RequestSecurity(SimulatorTradingOptions options)
    {
        this.options = options;
        ed25519 = string.IsNullOrEmpty(options.Ed25519PublicKeyPem) ? null : Ed25519Verifier.FromPem(options.Ed25519PublicKeyPem);
        hmacKey = string.IsNullOrEmpty(options.ApiSecret) ? null : Encoding.UTF8.GetBytes(options.ApiSecret);
    }

    /// <summary>The refusal, or null when the request may run.</summary>
    public ExchangeError? Check(string apiKey, IReadOnlyDictionary<string, string> parameters, string rawQuery, string rawBody)
    {
        if (apiKey.Length == 0)
        {
            return new ExchangeError(401, -2014, "API-key format invalid.");
        }

        if (string.IsNullOrEmpty(options.ApiKey) || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(apiKey), Encoding.UTF8.GetBytes(options.ApiKey)))
        {
            return new ExchangeError(401, -2015, "Invalid API-key, IP, or permissions for action.");
        }

        if (!parameters.TryGetValue("timestamp", out var timestampText) || !long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return new ExchangeError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
        }

        var recvWindow = 5000m;
        if (parameters.TryGetValue("recvWindow", out var windowText)
            && (!decimal.TryParse(windowText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out recvWindow) || recvWindow > 60_000m || recvWindow <= 0))
        {
            return new ExchangeError(400, -1131, "recvWindow must be less than 60000");
        }

        // Timestamps in µs are told apart by magnitude, as Binance does.
        var sentMs = timestamp >= 100_000_000_000_000 ? timestamp / 1000m : timestamp;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (sentMs >= now + 1000)
        {
            return new ExchangeError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
        }

        if (now - sentMs > recvWindow)
        {
            return new ExchangeError(400, -1021, "Timestamp for this request is outside of the recvWindow.");
        }

        if (!parameters.TryGetValue("signature", out var signature) || signature.Length == 0)
        {
            return new ExchangeError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
        }

        var payload = Encoding.UTF8.GetBytes(WithoutSignature(rawQuery) + WithoutSignature(rawBody));
        return Valid(payload, signature) ? null : new ExchangeError(400, -1022, "Signature for this request is not valid.");
    }

    private bool Valid(byte[] payload, string signature)
    {
        if (ed25519 is not null)
        {
            try
            {
                return ed25519.Verify(payload, Convert.FromBase64String(signature));
            }
            catch (FormatException)
            {
                return false;
            }
        }

        if (hmacKey is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(hmacKey, payload)));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }

    /// <summary>The raw parameter string minus its <c>signature=...</c> pair, every other byte as sent.</summary>
    private static string WithoutSignature(string raw) =>
        string.Join('&', raw.Split('&').Where(pair => !pair.StartsWith("signature=", StringComparison.Ordinal)));
}
