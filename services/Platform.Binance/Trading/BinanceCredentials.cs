using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Platform.Binance.Trading;

/// <summary>Signs the exact payload of a SIGNED request (Binance: query string + body, percent-encoded).</summary>
public interface IBinanceRequestSigner
{
    /// <summary>The <c>signature</c> parameter's value, not yet percent-encoded.</summary>
    string Sign(string payload);
}

/// <summary>HMAC-SHA256 keys: the signature is the lowercase hex of HMAC-SHA256(secret, payload).</summary>
public sealed class HmacSha256Signer : IBinanceRequestSigner
{
    private readonly byte[] secret;

    public HmacSha256Signer(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        this.secret = Encoding.UTF8.GetBytes(secret);
    }

    public string Sign(string payload) => Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(payload)));

    public override string ToString() => "HMAC-SHA256 signer (secret redacted)";
}

/// <summary>
/// Ed25519 keys (RFC 8032; the BCL has none, BouncyCastle signs): the signature is base64 of Ed25519(private key, payload).
/// The key is a PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>), as <c>openssl genpkey -algorithm ed25519</c> writes it.
/// </summary>
public sealed class Ed25519Signer : IBinanceRequestSigner
{
    private readonly Ed25519PrivateKeyParameters key;

    public Ed25519Signer(byte[] privateKeySeed)
    {
        ArgumentNullException.ThrowIfNull(privateKeySeed);
        if (privateKeySeed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new BinanceConfigurationException($"An Ed25519 private key is {Ed25519PrivateKeyParameters.KeySize} bytes, got {privateKeySeed.Length}.");
        }

        key = new Ed25519PrivateKeyParameters(privateKeySeed);
    }

    /// <summary>Reads a PKCS#8 PEM private key; the error names the problem, never the key.</summary>
    public static Ed25519Signer FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        try
        {
            var der = Convert.FromBase64String(PemBody(pem, "PRIVATE KEY"));
            if (PrivateKeyFactory.CreateKey(der) is not Ed25519PrivateKeyParameters parameters)
            {
                throw new BinanceConfigurationException("The private key file holds a key that is not Ed25519.");
            }

            return new Ed25519Signer(parameters.GetEncoded());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidCastException or IOException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            throw new BinanceConfigurationException("The private key file is not a PKCS#8 PEM Ed25519 key (-----BEGIN PRIVATE KEY-----).");
        }
    }

    /// <summary>The public key as Binance registers it: a SubjectPublicKeyInfo PEM.</summary>
    public string PublicKeyPem()
    {
        var der = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.GeneratePublicKey()).GetDerEncoded();
        return "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(der) + "\n-----END PUBLIC KEY-----\n";
    }

    public string Sign(string payload) => Convert.ToBase64String(SignBytes(Encoding.UTF8.GetBytes(payload)));

    public byte[] SignBytes(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var signer = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
        signer.Init(true, key);
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }

    public override string ToString() => "Ed25519 signer (private key redacted)";

    internal static string PemBody(string pem, string label)
    {
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        var start = pem.IndexOf(begin, StringComparison.Ordinal);
        var stop = pem.IndexOf(end, StringComparison.Ordinal);
        if (start < 0 || stop < start)
        {
            throw new FormatException($"not a {label} PEM");
        }

        return string.Concat(pem[(start + begin.Length)..stop].Where(c => !char.IsWhiteSpace(c)));
    }
}

/// <summary>Verifies Ed25519 signatures against a SubjectPublicKeyInfo PEM (the simulator's side of <see cref="Ed25519Signer"/>).</summary>
public sealed class Ed25519Verifier
{
    private readonly Ed25519PublicKeyParameters key;

    private Ed25519Verifier(Ed25519PublicKeyParameters key) => this.key = key;

    public static Ed25519Verifier FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        try
        {
            var der = Convert.FromBase64String(Ed25519Signer.PemBody(pem, "PUBLIC KEY"));
            return PublicKeyFactory.CreateKey(der) is Ed25519PublicKeyParameters parameters
                ? new Ed25519Verifier(parameters)
                : throw new BinanceConfigurationException("The public key is not Ed25519.");
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidCastException or IOException or SecurityUtilityException)
        {
            throw new BinanceConfigurationException("The public key is not a PEM Ed25519 key (-----BEGIN PUBLIC KEY-----).");
        }
    }

    public bool Verify(byte[] message, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        var verifier = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
        verifier.Init(false, key);
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }
}

/// <summary>
/// An API key and its signer. Loaded from the environment (<c>BINANCE_API_KEY</c> with <c>BINANCE_API_SECRET</c> for
/// HMAC, or <c>BINANCE_PRIVATE_KEY_FILE</c> for Ed25519) or from a secrets file of <c>NAME=VALUE</c> lines with the same
/// names. The secret never leaves this object: <see cref="ToString"/> shows a key prefix only.
/// </summary>
public sealed class BinanceCredentials
{
    public const string ApiKeyVariable = "BINANCE_API_KEY";
    public const string ApiSecretVariable = "BINANCE_API_SECRET";
    public const string PrivateKeyFileVariable = "BINANCE_PRIVATE_KEY_FILE";
    public const string SecretsFileVariable = "BINANCE_SECRETS_FILE";

    public BinanceCredentials(string apiKey, IBinanceRequestSigner signer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        ArgumentNullException.ThrowIfNull(signer);
        ApiKey = apiKey;
        Signer = signer;
    }

    /// <summary>Sent as <c>X-MBX-APIKEY</c>; not a secret by itself, but shown only as a prefix.</summary>
    public string ApiKey { get; }

    public IBinanceRequestSigner Signer { get; }

    public static BinanceCredentials Hmac(string apiKey, string secret) => new(apiKey, new HmacSha256Signer(secret));

    /// <summary>From <c>BINANCE_SECRETS_FILE</c> when set, else from the variables themselves; null when none is set.</summary>
    public static BinanceCredentials? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(SecretsFileVariable) is { Length: > 0 } file)
        {
            return FromSecretsFile(file);
        }

        return From(Environment.GetEnvironmentVariable, "the environment");
    }

    /// <summary>Reads <c>NAME=VALUE</c> lines (blank lines and <c>#</c> comments skipped); a relative key file is relative to the secrets file.</summary>
    public static BinanceCredentials FromSecretsFile(string path)
    {
        var values = ReadSecretsFile(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return From(name => values.GetValueOrDefault(name) is { } v && name == PrivateKeyFileVariable ? Path.Combine(directory, v) : values.GetValueOrDefault(name), $"secrets file '{path}'")
            ?? throw new BinanceConfigurationException($"Secrets file '{path}' sets neither {ApiKeyVariable} with {ApiSecretVariable} nor {ApiKeyVariable} with {PrivateKeyFileVariable}.");
    }

    /// <summary>The <c>NAME=VALUE</c> pairs of a secrets file; errors never show a line's content.</summary>
    public static IReadOnlyDictionary<string, string> ReadSecretsFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new BinanceConfigurationException($"Secrets file '{path}' does not exist.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new BinanceConfigurationException($"Secrets file '{path}': a line is not NAME=VALUE (its content is not shown).");
            }

            values[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"');
        }

        return values;
    }

    public override string ToString() => $"Binance API key {(ApiKey.Length > 4 ? ApiKey[..4] : "")}… ({Signer})";

    private static BinanceCredentials? From(Func<string, string?> lookup, string origin)
    {
        var key = lookup(ApiKeyVariable);
        var secret = lookup(ApiSecretVariable);
        var keyFile = lookup(PrivateKeyFileVariable);
        if (string.IsNullOrEmpty(key))
        {
            return string.IsNullOrEmpty(secret) && string.IsNullOrEmpty(keyFile)
                ? null
                : throw new BinanceConfigurationException($"{origin}: {ApiKeyVariable} is required with {ApiSecretVariable} or {PrivateKeyFileVariable}.");
        }

        if (!string.IsNullOrEmpty(keyFile))
        {
            if (!File.Exists(keyFile))
            {
                throw new BinanceConfigurationException($"{origin}: {PrivateKeyFileVariable} '{keyFile}' does not exist.");
            }

            return new BinanceCredentials(key, Ed25519Signer.FromPem(File.ReadAllText(keyFile)));
        }

        return string.IsNullOrEmpty(secret)
            ? throw new BinanceConfigurationException($"{origin}: {ApiKeyVariable} is set but neither {ApiSecretVariable} nor {PrivateKeyFileVariable} is.")
            : Hmac(key, secret);
    }
}
