using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;

namespace Platform.Kafka;

/// <summary>Bytes ↔ value for one topic's keys or values. Bad bytes throw <see cref="KafkaMessageFormatException"/> with the reason.</summary>
public interface IKafkaSerde<T>
{
    byte[] Serialize(T value);

    T Deserialize(ReadOnlySpan<byte> data);
}

/// <summary>A record on a topic that does not match the topic's schema.</summary>
public sealed class KafkaMessageFormatException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class Utf8StringSerde : IKafkaSerde<string>
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Utf8StringSerde Instance { get; } = new();

    public byte[] Serialize(string value) => Strict.GetBytes(value);

    public string Deserialize(ReadOnlySpan<byte> data)
    {
        try
        {
            return Strict.GetString(data);
        }
        catch (DecoderFallbackException e)
        {
            throw new KafkaMessageFormatException("key is not valid UTF-8", e);
        }
    }
}

/// <summary>
/// Versioned JSON values: every value carries <c>schema</c> and <c>version</c>; a reader accepts its own schema at
/// versions up to the one it knows (fields are only ever added), and names anything else as the reason it refuses.
/// </summary>
public abstract class VersionedJsonSerde<T> : IKafkaSerde<T>
{
    protected abstract string Schema { get; }

    protected abstract int Version { get; }

    public byte[] Serialize(T value)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("schema", Schema);
            writer.WriteNumber("version", Version);
            WriteFields(writer, value);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public T Deserialize(ReadOnlySpan<byte> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new KafkaMessageFormatException($"{Schema}: value is not a JSON object");
            }

            var schema = root.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (schema != Schema)
            {
                throw new KafkaMessageFormatException($"expected schema '{Schema}', found '{schema ?? "(none)"}'");
            }

            var version = root.TryGetProperty("version", out var v) && v.TryGetInt32(out var n) ? n : 0;
            if (version < 1 || version > Version)
            {
                throw new KafkaMessageFormatException($"{Schema}: version {version} is not supported (this reader knows 1..{Version})");
            }

            return ReadFields(root);
        }
        catch (JsonException e)
        {
            throw new KafkaMessageFormatException($"{Schema}: not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException or KeyNotFoundException)
        {
            throw new KafkaMessageFormatException($"{Schema}: {e.Message}", e);
        }
    }

    protected abstract void WriteFields(Utf8JsonWriter writer, T value);

    protected abstract T ReadFields(JsonElement root);

    protected static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : throw new KeyNotFoundException($"field '{name}' is missing");

    protected static string RequiredString(JsonElement root, string name) => Required(root, name).GetString()!;

    protected static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    protected static DateTimeOffset RequiredTime(JsonElement root, string name) => DateTimeOffset.FromUnixTimeMilliseconds(Required(root, name).GetInt64());

    protected static decimal RequiredDecimal(JsonElement root, string name) => ParseDecimal(RequiredString(root, name), name);

    protected static decimal? OptionalDecimal(JsonElement root, string name) => OptionalString(root, name) is { } text ? ParseDecimal(text, name) : null;

    protected static void WriteDecimal(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is { } d)
        {
            writer.WriteString(name, d.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Binance's kline fields (prices and volumes as exact decimal strings, times in Unix milliseconds).</summary>
    protected static void WriteKlineFields(Utf8JsonWriter writer, in Kline k)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("open_time", k.OpenTime.ToUnixTimeMilliseconds());
        WriteDecimal(writer, "open", k.Open);
        WriteDecimal(writer, "high", k.High);
        WriteDecimal(writer, "low", k.Low);
        WriteDecimal(writer, "close", k.Close);
        WriteDecimal(writer, "volume", k.Volume);
        if (k.CloseTime is { } closeTime)
        {
            writer.WriteNumber("close_time", closeTime.ToUnixTimeMilliseconds());
        }
        else
        {
            writer.WriteNull("close_time");
        }

        WriteDecimal(writer, "quote_volume", k.QuoteVolume);
        if (k.TradeCount is { } trades)
        {
            writer.WriteNumber("trades", trades);
        }
        else
        {
            writer.WriteNull("trades");
        }

        WriteDecimal(writer, "taker_buy_base_volume", k.TakerBuyBaseVolume);
        WriteDecimal(writer, "taker_buy_quote_volume", k.TakerBuyQuoteVolume);
    }

    protected static Kline ReadKlineFields(JsonElement root) => new(
        RequiredTime(root, "open_time"),
        RequiredDecimal(root, "open"),
        RequiredDecimal(root, "high"),
        RequiredDecimal(root, "low"),
        RequiredDecimal(root, "close"),
        RequiredDecimal(root, "volume"),
        root.TryGetProperty("close_time", out var ct) && ct.ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeMilliseconds(ct.GetInt64()) : null,
        OptionalDecimal(root, "quote_volume"),
        root.TryGetProperty("trades", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : null,
        OptionalDecimal(root, "taker_buy_base_volume"),
        OptionalDecimal(root, "taker_buy_quote_volume"));

    /// <summary>
    /// Floating-point numbers that read back bit for bit: finite ones in the shortest round-trip form, NaN and the
    /// infinities (JSON has no literal for them) as the strings "NaN", "Infinity" and "-Infinity".
    /// </summary>
    protected static void WriteNumbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(values);
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            if (double.IsFinite(value))
            {
                writer.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        writer.WriteEndArray();
    }

    protected static IEnumerable<double> ReadNumbers(JsonElement root, string name)
    {
        var array = Required(root, name);
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"field '{name}' is not an array");
        }

        return array.EnumerateArray().Select(e => e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String when e.GetString() is "NaN" => double.NaN,
            JsonValueKind.String when e.GetString() is "Infinity" => double.PositiveInfinity,
            JsonValueKind.String when e.GetString() is "-Infinity" => double.NegativeInfinity,
            _ => throw new FormatException($"field '{name}' holds '{e}', not a number"),
        });
    }

    private static decimal ParseDecimal(string text, string name) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new FormatException($"field '{name}' value '{text}' is not a decimal number");
}

/// <summary>
/// <c>platform.market.kline</c> v1: Binance's 12 kline fields (prices and volumes as exact decimal strings, times in
/// Unix milliseconds, <c>ignore</c> as Binance sends it) plus symbol, interval, closed (<c>x</c>), source and received-at.
/// </summary>
public sealed class StreamedKlineSerde : VersionedJsonSerde<StreamedKline>
{
    public static StreamedKlineSerde Instance { get; } = new();

    protected override string Schema => "platform.market.kline";

    protected override int Version => 1;

    protected override void WriteFields(Utf8JsonWriter writer, StreamedKline value)
    {
        writer.WriteString("symbol", value.Symbol);
        writer.WriteString("interval", value.Interval.Code);
        writer.WriteBoolean("closed", value.IsClosed);
        WriteKlineFields(writer, value.Kline);
        writer.WriteString("ignore", "0");
        writer.WriteString("source", value.Source);
        writer.WriteNumber("received_at", value.ReceivedAt.ToUnixTimeMilliseconds());
    }

    protected override StreamedKline ReadFields(JsonElement root)
    {
        var kline = ReadKlineFields(root);
        return new StreamedKline(
            RequiredString(root, "symbol"),
            KlineInterval.Parse(RequiredString(root, "interval")),
            kline,
            Required(root, "closed").GetBoolean(),
            RequiredString(root, "source"),
            RequiredTime(root, "received_at"));
    }
}

/// <summary><c>platform.market.kline-dead-letter</c> v1: source, reason, the raw payload as received, received-at, symbol when known.</summary>
public sealed class KlineDeadLetterSerde : VersionedJsonSerde<KlineDeadLetter>
{
    public static KlineDeadLetterSerde Instance { get; } = new();

    protected override string Schema => "platform.market.kline-dead-letter";

    protected override int Version => 1;

    protected override void WriteFields(Utf8JsonWriter writer, KlineDeadLetter value)
    {
        writer.WriteString("source", value.Source);
        writer.WriteString("reason", value.Reason);
        writer.WriteString("raw_payload", value.RawPayload);
        writer.WriteNumber("received_at", value.ReceivedAt.ToUnixTimeMilliseconds());
        if (value.Symbol is { } symbol)
        {
            writer.WriteString("symbol", symbol);
        }
        else
        {
            writer.WriteNull("symbol");
        }
    }

    protected override KlineDeadLetter ReadFields(JsonElement root) =>
        new(RequiredString(root, "source"), RequiredString(root, "reason"), RequiredString(root, "raw_payload"), RequiredTime(root, "received_at"), OptionalString(root, "symbol"));
}

/// <summary>
/// <c>platform.trading.decision</c> v2: decision id, model (name, version, run id), spec hash, symbol, open time,
/// Q-values (hold, buy, sell), action, position before (exact decimal string), decided-at and the bar close it acts at.
/// </summary>
public sealed class TradingDecisionSerde : VersionedJsonSerde<TradingDecision>
{
    public static TradingDecisionSerde Instance { get; } = new();

    protected override string Schema => "platform.trading.decision";

    /// <summary>v2 added <c>bar_close</c>; non-finite Q-values are strings (see <see cref="VersionedJsonSerde{T}.WriteNumbers"/>).</summary>
    protected override int Version => 2;

    protected override void WriteFields(Utf8JsonWriter writer, TradingDecision value)
    {
        writer.WriteString("decision_id", value.DecisionId);
        writer.WriteString("model_name", value.ModelName);
        writer.WriteString("model_version", value.ModelVersion);
        writer.WriteString("run_id", value.RunId);
        writer.WriteString("spec_hash", value.SpecHash);
        writer.WriteString("symbol", value.Symbol);
        writer.WriteNumber("open_time", value.OpenTime.ToUnixTimeMilliseconds());
        // Round-trip form, so a consumer sees exactly the Q-values the model computed.
        WriteNumbers(writer, "q_values", value.QValues);
        writer.WriteString("action", value.Action.ToString().ToLowerInvariant());
        WriteDecimal(writer, "position_before", value.PositionBefore);
        writer.WriteNumber("decided_at", value.DecidedAt.ToUnixTimeMilliseconds());
        WriteDecimal(writer, "bar_close", value.BarClose);
    }

    protected override TradingDecision ReadFields(JsonElement root)
    {
        var action = RequiredString(root, "action");
        if (!Enum.TryParse<TradeAction>(action, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(action, out _))
        {
            throw new FormatException($"field 'action' value '{action}' is not hold, buy or sell");
        }

        return new TradingDecision(
            RequiredString(root, "decision_id"),
            RequiredString(root, "model_name"),
            RequiredString(root, "model_version"),
            RequiredString(root, "run_id"),
            RequiredString(root, "spec_hash"),
            RequiredString(root, "symbol"),
            RequiredTime(root, "open_time"),
            [.. ReadNumbers(root, "q_values")],
            parsed,
            RequiredDecimal(root, "position_before"),
            RequiredTime(root, "decided_at"))
        {
            BarClose = OptionalDecimal(root, "bar_close"),
        };
    }
}

/// <summary>
/// <c>platform.features.row</c> v1: traded symbol, open time, spec (name, version, content hash), the raw feature values
/// (round-trip form: the consumer gets the floats bit for bit), whether the window is complete, the traded kline, the
/// ids of the klines used, computed-at and the W3C trace context.
/// </summary>
public sealed class StreamedFeatureRowSerde : VersionedJsonSerde<StreamedFeatureRow>
{
    public static StreamedFeatureRowSerde Instance { get; } = new();

    protected override string Schema => "platform.features.row";

    protected override int Version => 1;

    protected override void WriteFields(Utf8JsonWriter writer, StreamedFeatureRow value)
    {
        writer.WriteString("symbol", value.Symbol);
        writer.WriteString("spec_name", value.SpecName);
        writer.WriteNumber("spec_version", value.SpecVersion);
        writer.WriteString("spec_hash", value.SpecHash);
        // A float widened to double and printed round-trip reads back as the same float.
        WriteNumbers(writer, "values", value.Values.Select(v => (double)v));
        writer.WriteBoolean("complete", value.Complete);
        writer.WriteStartObject("kline");
        WriteKlineFields(writer, value.TradedKline);
        writer.WriteEndObject();
        writer.WriteStartArray("kline_ids");
        foreach (var id in value.KlineIds)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
        writer.WriteNumber("computed_at", value.ComputedAt.ToUnixTimeMilliseconds());
        if (value.TraceParent is { } trace)
        {
            writer.WriteString("traceparent", trace);
        }
    }

    protected override StreamedFeatureRow ReadFields(JsonElement root)
    {
        var kline = ReadKlineFields(Required(root, "kline"));
        var ids = Required(root, "kline_ids");
        if (ids.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("field 'kline_ids' is not an array");
        }

        return new StreamedFeatureRow(
            RequiredString(root, "symbol"),
            kline.OpenTime,
            RequiredString(root, "spec_name"),
            Required(root, "spec_version").GetInt32(),
            RequiredString(root, "spec_hash"),
            [.. ReadNumbers(root, "values").Select(v => (float)v)],
            Required(root, "complete").GetBoolean(),
            kline,
            [.. ids.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("field 'kline_ids' holds a non-string"))],
            RequiredTime(root, "computed_at"),
            OptionalString(root, "traceparent"));
    }
}
