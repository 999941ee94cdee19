create schema if not exists eventstore;

-- Every event ever recorded. `seq` is the global order: assigned under one lock by the
-- appender, so it is gapless and follows commit order.
create table eventstore.events (
    seq             bigint primary key,
    event_id        uuid not null unique,
    stream_id       text not null,
    stream_version  integer not null check (stream_version >= 1),
    type            text not null,
    version         integer not null,
    occurred_at     timestamptz not null,
    actor_subject   text not null,
    actor_role      text not null,
    correlation_id  uuid not null,
    causation_id    uuid,
    topic           text not null,
    key             text not null,
    data            jsonb not null,
    prev_hash       text not null,
    hash            text not null,
    unique (stream_id, stream_version)
);

-- Rows waiting for the relay; written in the same transaction as their events.
create table eventstore.outbox (
    seq bigint primary key references eventstore.events (seq)
);

-- How many events each topic holds: projections compare their progress with it.
create table eventstore.topic_heads (
    topic    text primary key,
    count    bigint not null,
    last_seq bigint not null
);
