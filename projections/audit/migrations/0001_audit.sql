-- The audit trail: one entry per event, in global order, for auditors and administrators.
create table {schema}.entries (
    seq            bigint primary key,
    event_id       uuid not null,
    occurred_at    timestamptz not null,
    actor          text not null,
    actor_role     text not null,
    type           text not null,
    version        integer not null,
    stream_id      text not null,
    stream_version integer not null,
    summary_da     text not null,
    summary_en     text not null,
    changes        jsonb,
    correlation_id uuid not null,
    causation_id   uuid,
    hash           text not null
);

create index on {schema}.entries (stream_id, seq);
create index on {schema}.entries (actor, seq);
create index on {schema}.entries (type, seq);
create index on {schema}.entries (occurred_at, seq);

-- The latest value of every field seen on each stream: the "before" of the next edit.
create table {schema}.stream_fields (
    stream_id text primary key,
    fields    jsonb not null
);
