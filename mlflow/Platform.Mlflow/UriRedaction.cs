using System.Text.RegularExpressions;

namespace Platform.Mlflow;

/// <summary>
/// Removes credentials from addresses before they are printed, logged, traced or put in an exception:
/// <c>http://user:pw@host:5000/</c> becomes <c>http://***@host:5000/</c>.
/// </summary>
public static partial class UriRedaction
{
    /// <summary>The address with its user info replaced by <c>***</c> (unchanged when it has none).</summary>
    public static string Redact(Uri? uri) =>
        uri is null ? "" : uri.IsAbsoluteUri && uri.UserInfo.Length > 0 ? Redact(uri.OriginalString) : uri.OriginalString;

    /// <summary>Any text with <c>scheme://user:pw@</c> parts replaced by <c>scheme://***@</c>.</summary>
    public static string Redact(string? text) => text is null ? "" : UserInfo().Replace(text, "$1***@");

    /// <summary>The address without its user info (what requests are sent to).</summary>
    public static Uri WithoutUserInfo(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return !uri.IsAbsoluteUri || uri.UserInfo.Length == 0 ? uri : new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
    }

    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();
}
