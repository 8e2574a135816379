using System.Security.Cryptography;
using System.Text;

namespace Platform.Domain.Execution;

/// <summary>
/// Client order ids derived from decision ids: the same decision always yields the same id, so a resent order is
/// recognised by the exchange (Binance rejects a duplicate <c>newClientOrderId</c> among open orders) and by the store.
/// Shape: "pl" + 32 lowercase hex digits of SHA-256(decision id) — 34 characters, within Binance's
/// <c>^[.A-Z:/a-z0-9_-]{1,36}$</c>.
/// </summary>
public static class ClientOrderIds
{
    public const string Prefix = "pl";

    public static string FromDecision(string decisionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(decisionId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(decisionId));
        return Prefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
