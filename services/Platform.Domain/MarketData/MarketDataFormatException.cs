namespace Platform.Domain.MarketData;

/// <summary>A market-data file that cannot be read at all: names the file, the line and the problem. Bad input, so an invalid request.</summary>
public sealed class MarketDataFormatException : InvalidRequestException
{
    public MarketDataFormatException(string source, int line, string problem)
        : base(line > 0 ? $"{source}:{line}: {problem}" : $"{source}: {problem}")
    {
        SourceName = source;
        Line = line;
        Problem = problem;
    }

    public MarketDataFormatException()
        : this("(unknown)", 0, "malformed market data")
    {
    }

    public MarketDataFormatException(string message)
        : this("(unknown)", 0, message)
    {
    }

    public MarketDataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        SourceName = "(unknown)";
        Problem = message;
    }

    public string SourceName { get; } = "(unknown)";

    public int Line { get; }

    public string Problem { get; } = string.Empty;
}
