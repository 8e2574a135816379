using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Mlflow;

/// <summary>
/// Describes a JSON failure in the protocol's terms, for messages people read: which field and what was expected
/// ("field 'value': expected a number"), never the .NET type it was to become, nor the reader's line/byte position.
/// </summary>
public static partial class JsonErrors
{
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var field = exception.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : null;
        var conversion = CannotConvert().Match(exception.Message);
        if (conversion.Success)
        {
            // The message names the type that holds the field; the reader's own error says what the token was.
            var token = exception.InnerException is { } inner ? TokenAs().Match(inner.Message) : Match.Empty;
            var expected = token.Success
                ? $"expected {Expected(token.Groups["kind"].Value)}, got {Token(token.Groups["token"].Value)}"
                : exception.InnerException is FormatException or OverflowException || exception.InnerException?.Message.Contains("out of bounds", StringComparison.Ordinal) == true
                    ? "expected a number (in range)"
                    : $"expected {Kind(conversion.Groups["type"].Value)}";
            return field is null ? expected : $"field '{field}': {expected}";
        }

        var problem = FirstSentence(exception.Message);
        return field is null ? $"not valid JSON ({problem})" : $"not valid JSON at field '{field}' ({problem})";
    }

    private static string Kind(string dotnetType)
    {
        static bool Has(string type, params string[] names) => names.Any(n => type.Contains(n, StringComparison.Ordinal));
        return dotnetType switch
        {
            var t when Has(t, "List", "[]", "Enumerable", "Collection") => "an array",
            var t when Has(t, "Int64", "Int32", "Int16", "UInt") => "an integer",
            var t when Has(t, "Double", "Single", "Decimal") => "a number",
            var t when Has(t, "Boolean") => "true or false",
            var t when Has(t, "String") => "a string",
            _ => "an object",
        };
    }

    private static string Expected(string kind) => kind switch
    {
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        _ => $"a {kind}",
    };

    private static string Token(string token) => token switch
    {
        "String" => "a string",
        "Number" => "a number",
        "StartObject" => "an object",
        "StartArray" => "an array",
        "True" or "False" => "a boolean",
        "Null" => "null",
        _ => token,
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        var text = cut < 0 ? message : message[..cut];
        var end = text.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? text : text[..(end + 1)]).TrimEnd('.', ' ');
    }

    [GeneratedRegex(@"token type '(?<token>\w+)' as an? (?<kind>\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex TokenAs();

    [GeneratedRegex(@"could not be converted to (?<type>\S+?)\.?( |$)", RegexOptions.CultureInvariant)]
    private static partial Regex CannotConvert();
}
