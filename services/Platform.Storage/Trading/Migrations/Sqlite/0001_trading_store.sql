-- Trading store, SQLite (the embedded default). Money and quantities are TEXT holding exact decimals; instants are
-- TEXT 'yyyy-MM-ddTHH:mm:ss.ffffffZ' (fixed width, so text order is time order); day is the UTC date 'yyyy-MM-dd'.
-- Keys and indexes mirror the PostgreSQL schema: (symbol, day, time) is the partition-ready access path.
CREATE TABLE decisions (
    decision_id      TEXT PRIMARY KEY,
    model_name       TEXT NOT NULL,
    model_version    TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    spec_hash        TEXT NOT NULL,
    symbol           TEXT NOT NULL,
    day              TEXT NOT NULL,
    open_time        TEXT NOT NULL,
    q_values         TEXT NOT NULL,
    action           TEXT NOT NULL CHECK (action IN ('hold', 'buy', 'sell')),
    position_before  TEXT NOT NULL,
    decided_at       TEXT NOT NULL,
    UNIQUE (model_name, symbol, open_time)
);
CREATE INDEX decisions_by_symbol_day ON decisions (symbol, day, open_time);

CREATE TABLE order_intents (
    client_order_id  TEXT PRIMARY KEY,
    decision_id      TEXT NOT NULL UNIQUE,
    mode             TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol           TEXT NOT NULL,
    day              TEXT NOT NULL,
    side             TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    quantity         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('created', 'sent', 'acknowledged', 'filled', 'rejected', 'unknown', 'reconciled')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    detail           TEXT
);
CREATE INDEX order_intents_by_symbol_day ON order_intents (symbol, day, created_at);
CREATE INDEX order_intents_unfinished ON order_intents (created_at) WHERE status NOT IN ('filled', 'rejected', 'reconciled');

CREATE TABLE orders (
    client_order_id            TEXT PRIMARY KEY,
    mode                       TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol                     TEXT NOT NULL,
    day                        TEXT NOT NULL,
    exchange_order_id          INTEGER NOT NULL,
    side                       TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    order_type                 TEXT NOT NULL CHECK (order_type IN ('market', 'limit')),
    status                     TEXT NOT NULL CHECK (status IN ('new', 'partially_filled', 'filled', 'canceled', 'pending_cancel', 'rejected', 'expired')),
    limit_price                TEXT,
    original_quantity          TEXT NOT NULL,
    executed_quantity          TEXT NOT NULL,
    cumulative_quote_quantity  TEXT NOT NULL,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    UNIQUE (mode, symbol, exchange_order_id)
);
CREATE INDEX orders_by_time ON orders (created_at);
CREATE INDEX orders_by_symbol_day ON orders (symbol, day, created_at);

CREATE TABLE fills (
    mode               TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol             TEXT NOT NULL,
    trade_id           INTEGER NOT NULL,
    day                TEXT NOT NULL,
    exchange_order_id  INTEGER NOT NULL,
    client_order_id    TEXT NOT NULL,
    side               TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price              TEXT NOT NULL,
    quantity           TEXT NOT NULL,
    commission         TEXT NOT NULL,
    commission_asset   TEXT NOT NULL,
    fill_time          TEXT NOT NULL,
    PRIMARY KEY (mode, symbol, trade_id)
);
CREATE INDEX fills_by_order ON fills (client_order_id);
CREATE INDEX fills_by_symbol_day ON fills (symbol, day, fill_time);

CREATE TABLE positions (
    mode                 TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol               TEXT NOT NULL,
    quantity             TEXT NOT NULL,
    average_entry_price  TEXT NOT NULL,
    realized_pnl         TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (mode, symbol)
);

CREATE TABLE equity_snapshots (
    mode               TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol             TEXT NOT NULL,
    day                TEXT NOT NULL,
    snapshot_time      TEXT NOT NULL,
    cash               TEXT NOT NULL,
    position_quantity  TEXT NOT NULL,
    mark_price         TEXT NOT NULL,
    equity             TEXT NOT NULL,
    PRIMARY KEY (mode, symbol, day, snapshot_time)
);

CREATE TABLE risk_events (
    event_id         TEXT PRIMARY KEY,
    mode             TEXT NOT NULL CHECK (mode IN ('paper', 'testnet', 'live')),
    symbol           TEXT NOT NULL,
    day              TEXT NOT NULL,
    event_time       TEXT NOT NULL,
    rule             TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('allowed', 'rejected', 'halted')),
    reason           TEXT NOT NULL,
    observed_value   TEXT,
    limit_value      TEXT,
    decision_id      TEXT,
    client_order_id  TEXT
);
CREATE INDEX risk_events_by_time ON risk_events (event_time);
CREATE INDEX risk_events_by_symbol_day ON risk_events (symbol, day, event_time);

CREATE TABLE kill_switch_events (
    event_id    TEXT PRIMARY KEY,
    day         TEXT NOT NULL,
    engaged     INTEGER NOT NULL CHECK (engaged IN (0, 1)),
    changed_by  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    event_time  TEXT NOT NULL
);
CREATE INDEX kill_switch_events_by_time ON kill_switch_events (event_time);
