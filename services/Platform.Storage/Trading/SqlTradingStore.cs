using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Platform.Domain.Execution;
using Platform.Domain.Trading;

namespace Platform.Storage.Trading;

/// <summary>
/// <see cref="ITradingStore"/> over ADO.NET: one SQL text for the SQLite and PostgreSQL adapters, which differ only in
/// their <see cref="SqlDialect"/> and schema migrations. Each call opens a pooled connection; idempotency comes from
/// the keys (INSERT … ON CONFLICT DO NOTHING, newest-wins upserts), not from the caller.
/// </summary>
public abstract class SqlTradingStore : ITradingStore
{
    private const string DecisionColumns = "decision_id, model_name, model_version, run_id, spec_hash, symbol, open_time, q_values, action, position_before, decided_at";
    private const string IntentColumns = "client_order_id, decision_id, mode, symbol, side, quantity, status, created_at, updated_at, detail";
    private const string OrderColumns = "mode, symbol, exchange_order_id, client_order_id, side, order_type, status, limit_price, original_quantity, executed_quantity, cumulative_quote_quantity, created_at, updated_at";
    private const string FillColumns = "mode, symbol, trade_id, exchange_order_id, client_order_id, side, price, quantity, commission, commission_asset, fill_time";
    private const string PositionColumns = "mode, symbol, quantity, average_entry_price, realized_pnl, updated_at";
    private const string EquityColumns = "mode, symbol, snapshot_time, cash, position_quantity, mark_price, equity";
    private const string RiskColumns = "event_id, mode, symbol, event_time, rule, verdict, reason, observed_value, limit_value, decision_id, client_order_id";
    private const string KillSwitchColumns = "event_id, engaged, changed_by, reason, event_time";

    protected SqlTradingStore(SqlDialect dialect)
    {
        Dialect = dialect;
    }

    protected SqlDialect Dialect { get; }

    /// <summary>Human-readable location (file path, or host/database without credentials).</summary>
    public abstract string Description { get; }

    public abstract ValueTask DisposeAsync();

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    protected abstract IReadOnlyList<SchemaMigration> Migrations { get; }

    /// <summary>Brings the schema to this build's version; returns the versions applied now.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await SchemaMigrator.ApplyAsync(connection, Migrations, Dialect, cancellationToken);
    }

    public async Task<bool> RecordDecisionAsync(TradingDecision decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        Require(decision.DecisionId, "decision id");
        Require(decision.ModelName, "model name");
        Require(decision.ModelVersion, "model version");
        Require(decision.Symbol, "symbol");
        if (decision.QValues is null || decision.QValues.Any(q => !double.IsFinite(q)))
        {
            throw new ArgumentException($"decision {decision.DecisionId}: Q-values must be finite numbers");
        }

        var normal = decision with { OpenTime = SqlDialect.Micro(decision.OpenTime), DecidedAt = SqlDialect.Micro(decision.DecidedAt) };
        if (await InsertAsync("decisions", DecisionColumns + ", day", cancellationToken,
                normal.DecisionId, normal.ModelName, normal.ModelVersion, normal.RunId, normal.SpecHash, normal.Symbol, Dialect.Time(normal.OpenTime),
                JsonSerializer.Serialize(normal.QValues), Name(normal.Action), Dialect.Money(normal.PositionBefore), Dialect.Time(normal.DecidedAt), Dialect.Day(normal.OpenTime)))
        {
            return true;
        }

        var existing = await GetDecisionAsync(normal.DecisionId, cancellationToken)
            ?? throw new TradingStoreConflictException($"decision {normal.DecisionId}: model {normal.ModelName} already decided {normal.Symbol} at {normal.OpenTime:O} under another decision id");
        return existing with { QValues = normal.QValues } == normal && existing.QValues.SequenceEqual(normal.QValues)
            ? false
            : throw new TradingStoreConflictException($"decision {normal.DecisionId} is stored with different content (action {Name(existing.Action)}, model {existing.ModelName} v{existing.ModelVersion}, open time {existing.OpenTime:O})");
    }

    public async Task<bool> CreateIntentAsync(OrderIntent intent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        Require(intent.ClientOrderId, "client order id");
        Require(intent.DecisionId, "decision id");
        Require(intent.Symbol, "symbol");
        Positive(intent.Quantity, $"intent {intent.ClientOrderId}: quantity");
        var normal = intent with { CreatedAt = SqlDialect.Micro(intent.CreatedAt), UpdatedAt = SqlDialect.Micro(intent.UpdatedAt) };
        if (await InsertAsync("order_intents", IntentColumns + ", day", cancellationToken,
                normal.ClientOrderId, normal.DecisionId, Name(normal.Mode), normal.Symbol, Name(normal.Side), Dialect.Money(normal.Quantity), Name(normal.Status),
                Dialect.Time(normal.CreatedAt), Dialect.Time(normal.UpdatedAt), normal.Detail, Dialect.Day(normal.CreatedAt)))
        {
            return true;
        }

        var existing = await GetIntentAsync(normal.ClientOrderId, cancellationToken)
            ?? throw new TradingStoreConflictException($"intent {normal.ClientOrderId}: decision {normal.DecisionId} already has an intent under another client order id");

        // A replay of the creation finds the intent further along its lifecycle: same order, not a conflict.
        return existing with { Status = normal.Status, UpdatedAt = normal.UpdatedAt, Detail = normal.Detail } == normal
            ? false
            : throw new TradingStoreConflictException($"intent {normal.ClientOrderId} is stored with different content ({Name(existing.Side)} {existing.Quantity} {existing.Symbol} {Name(existing.Mode)}, decision {existing.DecisionId})");
    }

    public async Task<bool> UpdateIntentStatusAsync(string clientOrderId, IntentStatus status, DateTimeOffset at, string? detail = null, CancellationToken cancellationToken = default)
    {
        Require(clientOrderId, "client order id");
        var allowedFrom = Enum.GetValues<IntentStatus>().Where(from => IntentLifecycle.CanMove(from, status)).ToList();
        if (allowedFrom.Count > 0)
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            var names = allowedFrom.Select((_, i) => $"@from{i}").ToList();
            command.CommandText = $"UPDATE order_intents SET status = @status, updated_at = @at, detail = COALESCE(@detail, detail) WHERE client_order_id = @id AND status IN ({string.Join(", ", names)})";
            SqlParameters.Add(command, "@status", Name(status));
            SqlParameters.Add(command, "@at", Dialect.Time(SqlDialect.Micro(at)));
            SqlParameters.Add(command, "@detail", detail);
            SqlParameters.Add(command, "@id", clientOrderId);
            for (var i = 0; i < allowedFrom.Count; i++)
            {
                SqlParameters.Add(command, names[i], Name(allowedFrom[i]));
            }

            if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
            {
                return true;
            }
        }

        var current = await GetIntentAsync(clientOrderId, cancellationToken) ?? throw new KeyNotFoundException($"no order intent with client order id {clientOrderId}");
        return current.Status == status
            ? false
            : throw new InvalidOperationException($"intent {clientOrderId} cannot move from {Name(current.Status)} to {Name(status)}");
    }

    public async Task<bool> UpsertOrderAsync(ExchangeOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        Require(order.ClientOrderId, "client order id");
        Require(order.Symbol, "symbol");
        Positive(order.OriginalQuantity, $"order {order.ClientOrderId}: original quantity");
        NotNegative(order.ExecutedQuantity, $"order {order.ClientOrderId}: executed quantity");
        NotNegative(order.CumulativeQuoteQuantity, $"order {order.ClientOrderId}: cumulative quote quantity");
        if (order.LimitPrice is { } limit)
        {
            Positive(limit, $"order {order.ClientOrderId}: limit price");
        }

        var normal = order with { CreatedAt = SqlDialect.Micro(order.CreatedAt), UpdatedAt = SqlDialect.Micro(order.UpdatedAt) };
        var changed = await UpsertAsync(
            "orders", OrderColumns + ", day", "client_order_id",
            "status, limit_price, original_quantity, executed_quantity, cumulative_quote_quantity, updated_at",
            "orders.mode = excluded.mode AND orders.symbol = excluded.symbol AND orders.exchange_order_id = excluded.exchange_order_id AND orders.side = excluded.side AND orders.order_type = excluded.order_type",
            cancellationToken,
            Name(normal.Mode), normal.Symbol, normal.ExchangeOrderId, normal.ClientOrderId, Name(normal.Side), Name(normal.Type), Name(normal.Status), Money(normal.LimitPrice),
            Dialect.Money(normal.OriginalQuantity), Dialect.Money(normal.ExecutedQuantity), Dialect.Money(normal.CumulativeQuoteQuantity), Dialect.Time(normal.CreatedAt), Dialect.Time(normal.UpdatedAt),
            Dialect.Day(normal.CreatedAt));
        if (changed)
        {
            return true;
        }

        var existing = await GetOrderAsync(normal.ClientOrderId, cancellationToken)
            ?? throw new TradingStoreConflictException($"order {normal.ClientOrderId}: exchange order {normal.ExchangeOrderId} of {normal.Symbol} is stored under another client order id");
        var sameOrder = existing.Mode == normal.Mode && existing.Symbol == normal.Symbol && existing.ExchangeOrderId == normal.ExchangeOrderId && existing.Side == normal.Side && existing.Type == normal.Type;
        return sameOrder && (existing.UpdatedAt > normal.UpdatedAt || existing == normal)
            ? false
            : throw new TradingStoreConflictException(sameOrder
                ? $"order {normal.ClientOrderId}: two different reports for {normal.UpdatedAt:O}"
                : $"order {normal.ClientOrderId} is stored as another order (exchange order {existing.ExchangeOrderId}, {Name(existing.Side)} {existing.Symbol} {Name(existing.Mode)})");
    }

    public async Task<bool> RecordFillAsync(OrderFill fill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fill);
        Require(fill.Symbol, "symbol");
        Require(fill.ClientOrderId, "client order id");
        Require(fill.CommissionAsset, "commission asset");
        Positive(fill.Price, $"fill {fill.TradeId}: price");
        Positive(fill.Quantity, $"fill {fill.TradeId}: quantity");
        NotNegative(fill.Commission, $"fill {fill.TradeId}: commission");
        var normal = fill with { Time = SqlDialect.Micro(fill.Time) };
        if (await InsertAsync("fills", FillColumns + ", day", cancellationToken,
                Name(normal.Mode), normal.Symbol, normal.TradeId, normal.ExchangeOrderId, normal.ClientOrderId, Name(normal.Side), Dialect.Money(normal.Price), Dialect.Money(normal.Quantity),
                Dialect.Money(normal.Commission), normal.CommissionAsset, Dialect.Time(normal.Time), Dialect.Day(normal.Time)))
        {
            return true;
        }

        var existing = (await QueryAsync($"SELECT {FillColumns} FROM fills WHERE mode = @p0 AND symbol = @p1 AND trade_id = @p2", ReadFill, cancellationToken, Name(normal.Mode), normal.Symbol, normal.TradeId)).Single();
        return existing == normal ? false : throw new TradingStoreConflictException($"fill {normal.TradeId} of {normal.Symbol} is stored with different content ({existing.Quantity} at {existing.Price}, order {existing.ClientOrderId})");
    }

    public async Task<bool> UpsertPositionAsync(TradingPosition position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(position);
        Require(position.Symbol, "symbol");
        NotNegative(position.AverageEntryPrice, $"position {position.Symbol}: average entry price");
        var normal = position with { UpdatedAt = SqlDialect.Micro(position.UpdatedAt) };
        if (await UpsertAsync("positions", PositionColumns, "mode, symbol", "quantity, average_entry_price, realized_pnl, updated_at", null, cancellationToken,
                Name(normal.Mode), normal.Symbol, Dialect.Money(normal.Quantity), Dialect.Money(normal.AverageEntryPrice), Dialect.Money(normal.RealizedPnl), Dialect.Time(normal.UpdatedAt)))
        {
            return true;
        }

        var existing = (await GetPositionsAsync(normal.Mode, cancellationToken)).Single(p => p.Symbol == normal.Symbol);
        return existing.UpdatedAt > normal.UpdatedAt || existing == normal
            ? false
            : throw new TradingStoreConflictException($"position {normal.Symbol} {Name(normal.Mode)}: two different values for {normal.UpdatedAt:O}");
    }

    public async Task<bool> RecordEquityAsync(EquitySnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Require(snapshot.Symbol, "symbol");
        var normal = snapshot with { Time = SqlDialect.Micro(snapshot.Time) };
        if (await InsertAsync("equity_snapshots", EquityColumns + ", day", cancellationToken,
                Name(normal.Mode), normal.Symbol, Dialect.Time(normal.Time), Dialect.Money(normal.Cash), Dialect.Money(normal.PositionQuantity), Dialect.Money(normal.MarkPrice), Dialect.Money(normal.Equity), Dialect.Day(normal.Time)))
        {
            return true;
        }

        var existing = (await GetEquityAsync(normal.Mode, normal.Symbol, normal.Time, normal.Time.AddTicks(10), cancellationToken)).Single();
        return existing == normal ? false : throw new TradingStoreConflictException($"equity of {normal.Symbol} {Name(normal.Mode)} at {normal.Time:O} is stored as {existing.Equity}, not {normal.Equity}");
    }

    public async Task<bool> RecordRiskEventAsync(RiskEvent riskEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(riskEvent);
        Require(riskEvent.EventId, "event id");
        Require(riskEvent.Symbol, "symbol");
        Require(riskEvent.Rule, "rule");
        Require(riskEvent.Reason, "reason");
        var normal = riskEvent with { Time = SqlDialect.Micro(riskEvent.Time) };
        if (await InsertAsync("risk_events", RiskColumns + ", day", cancellationToken,
                normal.EventId, Name(normal.Mode), normal.Symbol, Dialect.Time(normal.Time), normal.Rule, Name(normal.Verdict), normal.Reason, Money(normal.ObservedValue), Money(normal.LimitValue),
                normal.DecisionId, normal.ClientOrderId, Dialect.Day(normal.Time)))
        {
            return true;
        }

        var existing = (await QueryAsync($"SELECT {RiskColumns} FROM risk_events WHERE event_id = @p0", ReadRiskEvent, cancellationToken, normal.EventId)).Single();
        return existing == normal ? false : throw new TradingStoreConflictException($"risk event {normal.EventId} is stored with different content ({existing.Rule}: {Name(existing.Verdict)}, {existing.Reason})");
    }

    public async Task<bool> RecordKillSwitchAsync(KillSwitchEvent killSwitchEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(killSwitchEvent);
        Require(killSwitchEvent.EventId, "event id");
        Require(killSwitchEvent.By, "who changes the kill switch (--by)");
        Require(killSwitchEvent.Reason, "reason");
        var normal = killSwitchEvent with { Time = SqlDialect.Micro(killSwitchEvent.Time) };
        if (await InsertAsync("kill_switch_events", KillSwitchColumns + ", day", cancellationToken,
                normal.EventId, normal.Engaged, normal.By, normal.Reason, Dialect.Time(normal.Time), Dialect.Day(normal.Time)))
        {
            return true;
        }

        var existing = (await QueryAsync($"SELECT {KillSwitchColumns} FROM kill_switch_events WHERE event_id = @p0", ReadKillSwitch, cancellationToken, normal.EventId)).Single();
        return existing == normal ? false : throw new TradingStoreConflictException($"kill-switch event {normal.EventId} is stored with different content ({(existing.Engaged ? "engaged" : "lifted")} by {existing.By})");
    }

    public async Task<TradingDecision?> GetDecisionAsync(string decisionId, CancellationToken cancellationToken = default) =>
        (await QueryAsync($"SELECT {DecisionColumns} FROM decisions WHERE decision_id = @p0", ReadDecision, cancellationToken, decisionId)).SingleOrDefault();

    public async Task<OrderIntent?> GetIntentAsync(string clientOrderId, CancellationToken cancellationToken = default) =>
        (await QueryAsync($"SELECT {IntentColumns} FROM order_intents WHERE client_order_id = @p0", ReadIntent, cancellationToken, clientOrderId)).SingleOrDefault();

    public Task<IReadOnlyList<OrderIntent>> GetUnfinishedIntentsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {IntentColumns} FROM order_intents WHERE status NOT IN ('filled', 'rejected', 'reconciled'){(mode is null ? string.Empty : " AND mode = @p0")} ORDER BY created_at, client_order_id",
            ReadIntent, cancellationToken, mode is { } m ? Name(m) : null);

    public Task<IReadOnlyList<ExchangeOrder>> GetOrdersAsync(OrderQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            throw new ArgumentException($"order limit must be positive (got {query.Limit})");
        }

        return QueryAsync(
            $"SELECT {OrderColumns} FROM orders WHERE created_at >= @p0{(query.Mode is null ? string.Empty : " AND mode = @p1")}{(query.Symbol is null ? string.Empty : " AND symbol = @p2")} ORDER BY created_at, client_order_id LIMIT @p3",
            ReadOrder, cancellationToken, Dialect.Time(SqlDialect.Micro(query.From)), query.Mode is { } m ? Name(m) : null, query.Symbol, query.Limit);
    }

    public async Task<ExchangeOrder?> GetOrderAsync(string clientOrderId, CancellationToken cancellationToken = default) =>
        (await QueryAsync($"SELECT {OrderColumns} FROM orders WHERE client_order_id = @p0", ReadOrder, cancellationToken, clientOrderId)).SingleOrDefault();

    public Task<IReadOnlyList<OrderFill>> GetFillsAsync(string clientOrderId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {FillColumns} FROM fills WHERE client_order_id = @p0 ORDER BY fill_time, trade_id", ReadFill, cancellationToken, clientOrderId);

    public Task<IReadOnlyList<TradingPosition>> GetPositionsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {PositionColumns} FROM positions{(mode is null ? string.Empty : " WHERE mode = @p0")} ORDER BY mode, symbol", ReadPosition, cancellationToken, mode is { } m ? Name(m) : null);

    public Task<IReadOnlyList<EquitySnapshot>> GetEquityAsync(TradingMode mode, string symbol, DateTimeOffset start, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"SELECT {EquityColumns} FROM equity_snapshots WHERE mode = @p0 AND symbol = @p1 AND snapshot_time >= @p2 AND snapshot_time < @p3 ORDER BY snapshot_time",
            ReadEquity, cancellationToken, Name(mode), symbol, Dialect.Time(SqlDialect.Micro(start)), Dialect.Time(SqlDialect.Micro(until)));

    public async Task<KillSwitchEvent?> GetKillSwitchAsync(CancellationToken cancellationToken = default) =>
        (await QueryAsync($"SELECT {KillSwitchColumns} FROM kill_switch_events ORDER BY event_time DESC, event_id DESC LIMIT 1", ReadKillSwitch, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<RiskEvent>> GetRiskEventsAsync(int limit, DateTimeOffset? from = null, CancellationToken cancellationToken = default) =>
        limit <= 0
            ? throw new ArgumentException($"risk event limit must be positive (got {limit})")
            : QueryAsync(
                $"SELECT {RiskColumns} FROM risk_events{(from is null ? string.Empty : " WHERE event_time >= @p0")} ORDER BY event_time DESC, event_id DESC LIMIT @p1",
                ReadRiskEvent, cancellationToken, from is { } f ? Dialect.Time(SqlDialect.Micro(f)) : null, limit);

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static T Parse<T>(string text)
        where T : struct, Enum => Enum.Parse<T>(text.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true);

    private static void Require(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{what} is required");
        }
    }

    private static void Positive(decimal value, string what)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{what} must be positive (got {value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static void NotNegative(decimal value, string what)
    {
        if (value < 0)
        {
            throw new ArgumentException($"{what} must not be negative (got {value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private object? Money(decimal? value) => value is { } v ? Dialect.Money(v) : null;

    private decimal? MoneyOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Dialect.ReadMoney(reader, ordinal);

    private static string? TextOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private TradingDecision ReadDecision(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Dialect.ReadTime(r, 6),
        JsonSerializer.Deserialize<double[]>(r.GetString(7))!, Parse<TradeAction>(r.GetString(8)), Dialect.ReadMoney(r, 9), Dialect.ReadTime(r, 10));

    private OrderIntent ReadIntent(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), Parse<TradingMode>(r.GetString(2)), r.GetString(3), Parse<TradeSide>(r.GetString(4)), Dialect.ReadMoney(r, 5),
        Parse<IntentStatus>(r.GetString(6)), Dialect.ReadTime(r, 7), Dialect.ReadTime(r, 8), TextOrNull(r, 9));

    private ExchangeOrder ReadOrder(DbDataReader r) => new(
        Parse<TradingMode>(r.GetString(0)), r.GetString(1), r.GetInt64(2), r.GetString(3), Parse<TradeSide>(r.GetString(4)), Parse<OrderType>(r.GetString(5)),
        Parse<ExchangeOrderStatus>(r.GetString(6)), MoneyOrNull(r, 7), Dialect.ReadMoney(r, 8), Dialect.ReadMoney(r, 9), Dialect.ReadMoney(r, 10), Dialect.ReadTime(r, 11), Dialect.ReadTime(r, 12));

    private OrderFill ReadFill(DbDataReader r) => new(
        Parse<TradingMode>(r.GetString(0)), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), Parse<TradeSide>(r.GetString(5)),
        Dialect.ReadMoney(r, 6), Dialect.ReadMoney(r, 7), Dialect.ReadMoney(r, 8), r.GetString(9), Dialect.ReadTime(r, 10));

    private TradingPosition ReadPosition(DbDataReader r) => new(
        Parse<TradingMode>(r.GetString(0)), r.GetString(1), Dialect.ReadMoney(r, 2), Dialect.ReadMoney(r, 3), Dialect.ReadMoney(r, 4), Dialect.ReadTime(r, 5));

    private EquitySnapshot ReadEquity(DbDataReader r) => new(
        Parse<TradingMode>(r.GetString(0)), r.GetString(1), Dialect.ReadTime(r, 2), Dialect.ReadMoney(r, 3), Dialect.ReadMoney(r, 4), Dialect.ReadMoney(r, 5), Dialect.ReadMoney(r, 6));

    private RiskEvent ReadRiskEvent(DbDataReader r) => new(
        r.GetString(0), Parse<TradingMode>(r.GetString(1)), r.GetString(2), Dialect.ReadTime(r, 3), r.GetString(4), Parse<RiskVerdict>(r.GetString(5)), r.GetString(6),
        MoneyOrNull(r, 7), MoneyOrNull(r, 8), TextOrNull(r, 9), TextOrNull(r, 10));

    private KillSwitchEvent ReadKillSwitch(DbDataReader r) => new(r.GetString(0), r.GetBoolean(1), r.GetString(2), r.GetString(3), Dialect.ReadTime(r, 4));

    /// <summary>INSERT … ON CONFLICT DO NOTHING; true when the row is new.</summary>
    private Task<bool> InsertAsync(string table, string columns, CancellationToken cancellationToken, params object?[] values) =>
        ExecuteAsync($"INSERT INTO {table} ({columns}) VALUES ({Placeholders(values.Length)}) ON CONFLICT DO NOTHING", values, cancellationToken);

    /// <summary>Insert, or update <paramref name="updates"/> when the incoming row is newer (and <paramref name="sameRow"/> holds); true when anything changed.</summary>
    private Task<bool> UpsertAsync(string table, string columns, string key, string updates, string? sameRow, CancellationToken cancellationToken, params object?[] values)
    {
        var set = string.Join(", ", updates.Split(", ").Select(c => $"{c} = excluded.{c}"));
        var condition = $"excluded.updated_at > {table}.updated_at" + (sameRow is null ? string.Empty : $" AND {sameRow}");
        return ExecuteAsync($"INSERT INTO {table} ({columns}) VALUES ({Placeholders(values.Length)}) ON CONFLICT ({key}) DO UPDATE SET {set} WHERE {condition}", values, cancellationToken);
    }

    private async Task<bool> ExecuteAsync(string sql, object?[] values, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        AddParameters(command, values);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        AddParameters(command, values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static string Placeholders(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}"));

    private static void AddParameters(DbCommand command, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            SqlParameters.Add(command, $"@p{i}", values[i]);
        }
    }
}
