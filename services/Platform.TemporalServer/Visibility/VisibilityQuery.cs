using System.Globalization;
using System.Text;

namespace Platform.TemporalServer.Visibility;

/// <summary>Thrown for a list/count query outside the supported subset; answered as InvalidArgument.</summary>
internal sealed class VisibilityQueryException(string message) : Exception(message);

/// <summary>
/// The subset of Temporal's visibility query language people use: comparisons (=, !=, &gt;, &gt;=, &lt;, &lt;=), IN,
/// BETWEEN … AND …, STARTS_WITH, IS [NOT] NULL, AND / OR / NOT with parentheses, and ORDER BY one field ASC|DESC.
/// Field values come from a lookup (system fields and search attributes).
/// </summary>
internal sealed class VisibilityQuery
{
    private readonly Node? _filter;

    private VisibilityQuery(Node? filter, string? orderBy, bool descending)
    {
        _filter = filter;
        OrderBy = orderBy;
        Descending = descending;
    }

    public string? OrderBy { get; }

    public bool Descending { get; }

    public bool Matches(Func<string, object?> lookup) => _filter?.Evaluate(lookup) ?? true;

    public static VisibilityQuery Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new VisibilityQuery(null, null, false);
        }

        var parser = new Parser(Tokenize(text));
        return parser.ParseQuery();
    }

    private abstract class Node
    {
        public abstract bool Evaluate(Func<string, object?> lookup);
    }

    private sealed class AndNode(Node left, Node right) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup) => left.Evaluate(lookup) && right.Evaluate(lookup);
    }

    private sealed class OrNode(Node left, Node right) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup) => left.Evaluate(lookup) || right.Evaluate(lookup);
    }

    private sealed class NotNode(Node inner) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup) => !inner.Evaluate(lookup);
    }

    private sealed class CompareNode(string field, string op, object literal) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup)
        {
            var value = lookup(field);
            if (value is IEnumerable<string> list)
            {
                var contains = list.Any(item => Compare(item, literal) == 0);
                return op switch
                {
                    "=" => contains,
                    "!=" => !contains,
                    _ => false,
                };
            }

            if (value is null)
            {
                return op == "!=";
            }

            var comparison = Compare(value, literal);
            return op switch
            {
                "=" => comparison == 0,
                "!=" => comparison != 0,
                ">" => comparison > 0,
                ">=" => comparison >= 0,
                "<" => comparison < 0,
                "<=" => comparison <= 0,
                _ => false,
            };
        }
    }

    private sealed class InNode(string field, IReadOnlyList<object> literals, bool negated) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup)
        {
            var value = lookup(field);
            bool found = value switch
            {
                null => false,
                IEnumerable<string> list => list.Any(item => literals.Any(l => Compare(item, l) == 0)),
                _ => literals.Any(l => Compare(value, l) == 0),
            };
            return found != negated;
        }
    }

    private sealed class BetweenNode(string field, object low, object high) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup)
        {
            var value = lookup(field);
            return value is not null && Compare(value, low) >= 0 && Compare(value, high) <= 0;
        }
    }

    private sealed class StartsWithNode(string field, string prefix, bool negated) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup) =>
            (lookup(field) is string value && value.StartsWith(prefix, StringComparison.Ordinal)) != negated;
    }

    private sealed class IsNullNode(string field, bool negated) : Node
    {
        public override bool Evaluate(Func<string, object?> lookup) => (lookup(field) is null) != negated;
    }

    /// <summary>Compares a field value with a literal, converting the literal to the value's type.</summary>
    private static int Compare(object value, object literal)
    {
        switch (value)
        {
            case DateTime time:
                var other = literal switch
                {
                    string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed.UtcDateTime,
                    long ticks => DateTimeOffset.FromUnixTimeMilliseconds(ticks / 1_000_000).UtcDateTime,
                    _ => throw new VisibilityQueryException($"'{literal}' is not a valid datetime."),
                };
                return time.CompareTo(other);
            case long number:
                return literal switch
                {
                    long l => number.CompareTo(l),
                    double d => ((double)number).CompareTo(d),
                    string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedLong) => number.CompareTo(parsedLong),
                    _ => throw new VisibilityQueryException($"'{literal}' is not a valid number."),
                };
            case double real:
                return literal switch
                {
                    long l => real.CompareTo(l),
                    double d => real.CompareTo(d),
                    _ => throw new VisibilityQueryException($"'{literal}' is not a valid number."),
                };
            case bool flag:
                return literal switch
                {
                    bool b => flag.CompareTo(b),
                    string s when bool.TryParse(s, out var parsedBool) => flag.CompareTo(parsedBool),
                    _ => throw new VisibilityQueryException($"'{literal}' is not a valid bool."),
                };
            default:
                return string.CompareOrdinal(Convert.ToString(value, CultureInfo.InvariantCulture), Convert.ToString(literal, CultureInfo.InvariantCulture));
        }
    }

    private enum TokenKind
    {
        Identifier,
        String,
        Number,
        Operator,
        LeftParen,
        RightParen,
        Comma,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"' or '`')
            {
                var quote = c;
                var builder = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != quote)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    builder.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    throw new VisibilityQueryException("Unterminated string in query.");
                }

                i++;
                tokens.Add(new Token(quote == '`' ? TokenKind.Identifier : TokenKind.String, builder.ToString()));
            }
            else if (c == '(')
            {
                tokens.Add(new Token(TokenKind.LeftParen, "("));
                i++;
            }
            else if (c == ')')
            {
                tokens.Add(new Token(TokenKind.RightParen, ")"));
                i++;
            }
            else if (c == ',')
            {
                tokens.Add(new Token(TokenKind.Comma, ","));
                i++;
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var next = i + 1 < text.Length ? text[i + 1] : '\0';
                var (op, length) = (c, next) switch
                {
                    ('<', '>') => ("!=", 2),
                    (_, '=') => (c + "=", 2),
                    ('!', _) => throw new VisibilityQueryException("Unexpected '!' in query."),
                    _ => (c.ToString(), 1),
                };
                tokens.Add(new Token(TokenKind.Operator, op == "==" ? "=" : op));
                i += length;
            }
            else if (char.IsDigit(c) || (c == '-' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i++;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i]));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i++;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i]));
            }
            else
            {
                throw new VisibilityQueryException($"Unexpected character '{c}' in query.");
            }
        }

        tokens.Add(new Token(TokenKind.End, string.Empty));
        return tokens;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _position;

        private Token Current => tokens[_position];

        public VisibilityQuery ParseQuery()
        {
            Node? filter = null;
            if (!IsKeyword("ORDER"))
            {
                filter = ParseOr();
            }

            string? orderBy = null;
            var descending = false;
            if (IsKeyword("ORDER"))
            {
                _position++;
                ExpectKeyword("BY");
                orderBy = ExpectIdentifier();
                if (IsKeyword("DESC"))
                {
                    descending = true;
                    _position++;
                }
                else if (IsKeyword("ASC"))
                {
                    _position++;
                }
            }

            if (Current.Kind != TokenKind.End)
            {
                throw new VisibilityQueryException($"Unexpected '{Current.Text}' in query.");
            }

            return new VisibilityQuery(filter, orderBy, descending);
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("OR"))
            {
                _position++;
                left = new OrNode(left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (IsKeyword("AND"))
            {
                _position++;
                left = new AndNode(left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (IsKeyword("NOT"))
            {
                _position++;
                return new NotNode(ParseUnary());
            }

            if (Current.Kind == TokenKind.LeftParen)
            {
                _position++;
                var inner = ParseOr();
                if (Current.Kind != TokenKind.RightParen)
                {
                    throw new VisibilityQueryException("Missing ')' in query.");
                }

                _position++;
                return inner;
            }

            return ParsePredicate();
        }

        private Node ParsePredicate()
        {
            var field = ExpectIdentifier();
            if (Current.Kind == TokenKind.Operator)
            {
                var op = Current.Text;
                _position++;
                return new CompareNode(field, op, ParseLiteral());
            }

            var negated = false;
            if (IsKeyword("NOT"))
            {
                negated = true;
                _position++;
            }

            if (IsKeyword("IN"))
            {
                _position++;
                if (Current.Kind != TokenKind.LeftParen)
                {
                    throw new VisibilityQueryException("Expected '(' after IN.");
                }

                _position++;
                var values = new List<object> { ParseLiteral() };
                while (Current.Kind == TokenKind.Comma)
                {
                    _position++;
                    values.Add(ParseLiteral());
                }

                if (Current.Kind != TokenKind.RightParen)
                {
                    throw new VisibilityQueryException("Expected ')' after IN values.");
                }

                _position++;
                return new InNode(field, values, negated);
            }

            if (IsKeyword("BETWEEN"))
            {
                _position++;
                var low = ParseLiteral();
                ExpectKeyword("AND");
                var high = ParseLiteral();
                Node between = new BetweenNode(field, low, high);
                return negated ? new NotNode(between) : between;
            }

            if (IsKeyword("STARTS_WITH"))
            {
                _position++;
                return ParseLiteral() is string prefix
                    ? new StartsWithNode(field, prefix, negated)
                    : throw new VisibilityQueryException("STARTS_WITH needs a string.");
            }

            if (IsKeyword("IS"))
            {
                _position++;
                var isNot = false;
                if (IsKeyword("NOT"))
                {
                    isNot = true;
                    _position++;
                }

                ExpectKeyword("NULL");
                return new IsNullNode(field, isNot);
            }

            throw new VisibilityQueryException($"Unsupported or malformed condition on '{field}'.");
        }

        private object ParseLiteral()
        {
            var token = Current;
            _position++;
            return token.Kind switch
            {
                TokenKind.String => token.Text,
                TokenKind.Number when long.TryParse(token.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
                TokenKind.Number when double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                TokenKind.Identifier when token.Text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
                TokenKind.Identifier when token.Text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
                _ => throw new VisibilityQueryException($"Expected a value but found '{token.Text}'."),
            };
        }

        private string ExpectIdentifier()
        {
            if (Current.Kind != TokenKind.Identifier)
            {
                throw new VisibilityQueryException($"Expected a field name but found '{Current.Text}'.");
            }

            return tokens[_position++].Text;
        }

        private void ExpectKeyword(string keyword)
        {
            if (!IsKeyword(keyword))
            {
                throw new VisibilityQueryException($"Expected {keyword} but found '{Current.Text}'.");
            }

            _position++;
        }

        private bool IsKeyword(string keyword) => Current.Kind == TokenKind.Identifier && Current.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
    }
}
