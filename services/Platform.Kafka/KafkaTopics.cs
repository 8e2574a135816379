using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;

namespace Platform.Kafka;

/// <summary>A topic as the platform creates it: name, partition count and what it carries.</summary>
public sealed record KafkaTopicDefinition(string Name, int Partitions, string Purpose, short ReplicationFactor = 3);

/// <summary>A topic with the serialisation of its keys and values, so producers and consumers cannot disagree.</summary>
public sealed record KafkaTopic<TKey, TValue>(KafkaTopicDefinition Definition, IKafkaSerde<TKey> KeySerde, IKafkaSerde<TValue> ValueSerde)
{
    public string Name => Definition.Name;
}

/// <summary>
/// Every topic of the platform, in one place. Keys decide ordering: a key's records stay in one partition, in order.
/// Later streams follow the same pattern — a definition, a versioned value schema (<see cref="IKafkaSerde{T}"/>) and an
/// entry in <see cref="All"/> — e.g. <c>features.&lt;spec&gt;.v&lt;version&gt;</c> keyed by symbol, <c>decisions</c>
/// keyed by model, order topics keyed by client order id.
/// </summary>
public static class PlatformTopics
{
    /// <summary>Closed and partial klines of one interval, key = symbol (each symbol in order), value = <see cref="StreamedKlineSerde"/> v1.</summary>
    public static KafkaTopic<string, StreamedKline> Klines(KlineInterval interval) =>
        new(new KafkaTopicDefinition($"market.klines.{interval.Code}", 6, $"Binance {interval.Code} klines, key = symbol"), Utf8StringSerde.Instance, StreamedKlineSerde.Instance);

    public static KafkaTopic<string, StreamedKline> KlinesOneHour { get; } = Klines(KlineInterval.OneHour);

    /// <summary>Live messages that could not become a valid kline, with reason and raw payload; key = symbol when known, else the source.</summary>
    public static KafkaTopic<string, KlineDeadLetter> KlineDeadLetters { get; } =
        new(new KafkaTopicDefinition("market.klines.dlq", 1, "malformed or invalid kline messages with reason and raw payload"), Utf8StringSerde.Instance, KlineDeadLetterSerde.Instance);

    /// <summary>Every model decision, key = traded symbol (a symbol's decisions stay in order), value = <see cref="TradingDecisionSerde"/> v1.</summary>
    public static KafkaTopic<string, TradingDecision> Decisions { get; } =
        new(new KafkaTopicDefinition("decisions", 6, "model decisions (hold/buy/sell with Q-values), key = traded symbol"), Utf8StringSerde.Instance, TradingDecisionSerde.Instance);

    /// <summary>
    /// Feature rows of one spec, <c>features.&lt;spec name&gt;.v&lt;version&gt;</c> (characters Kafka does not allow in a
    /// name become '-'), key = traded symbol, value = <see cref="StreamedFeatureRowSerde"/> v1. Created by the feature
    /// service that computes the spec.
    /// </summary>
    public static KafkaTopic<string, StreamedFeatureRow> Features(FeatureSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var name = new string([.. spec.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        return new(new KafkaTopicDefinition($"features.{name}.v{spec.Version}", 6, $"feature rows of spec {spec.Name} v{spec.Version}, key = traded symbol"), Utf8StringSerde.Instance, StreamedFeatureRowSerde.Instance);
    }

    /// <summary>Every topic the platform creates at start.</summary>
    public static IReadOnlyList<KafkaTopicDefinition> All { get; } = [KlinesOneHour.Definition, KlineDeadLetters.Definition, Decisions.Definition];
}
