-- Records a projection could not apply (undecodable, or whose apply kept failing), kept in
-- the projection's schema and written in the same transaction that moves its position past
-- them, so none is lost by a crash or a broker restart. The dead-letter topic holds a copy.
-- A record whose event is known (seq) has one row however often it is seen again.
create table {schema}.dead_letters (
    id               bigserial primary key,
    topic            text not null,
    partition        integer not null,
    "offset"         bigint not null,
    digest           text not null,
    seq              bigint,
    event_id         text,
    event_type       text,
    reason           text not null,
    attempts         integer not null,
    times_seen       integer not null default 1,
    first_seen_at    timestamptz not null default now(),
    last_seen_at     timestamptz not null default now(),
    record_key       bytea,
    record_value     bytea,
    header_names     text[] not null,
    header_values    bytea[] not null,
    status           text not null default 'waiting'
                     check (status in ('waiting', 'retried', 'set_aside')),
    retried_at       timestamptz,
    set_aside_reason text,
    set_aside_by     text,
    set_aside_at     timestamptz,
    check (status <> 'set_aside' or set_aside_reason is not null)
);

create unique index dead_letters_event on {schema}.dead_letters (seq) where seq is not null;
create unique index dead_letters_record on {schema}.dead_letters (topic, partition, "offset", digest)
    where seq is null;

-- When the projection last applied something: a projection behind that has not moved for a
-- while is stalled, not merely busy.
alter table {schema}.checkpoint add column progressed_at timestamptz not null default now();
