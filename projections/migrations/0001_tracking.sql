-- Tracking tables every projection keeps in its own schema, changed in the same transaction
-- as its read model: which events are applied (exactly-once effect), where each partition
-- stands, and how far each topic is seen.
create schema if not exists {schema};

create table {schema}.applied (
    seq bigint primary key
);

create table {schema}.offsets (
    topic       text not null,
    partition   integer not null,
    next_offset bigint not null,
    last_digest text not null,
    primary key (topic, partition)
);

create table {schema}.checkpoint (
    topic    text primary key,
    seen     bigint not null,
    last_seq bigint not null
);

create table {schema}.instances (
    instance     text primary key,
    partitions   text not null,
    applied      bigint not null default 0,
    heartbeat_at timestamptz not null
);
