-- The public feed's own state: what a published task looks like and how full each shift is
-- (counts only, never who), and how far each public partition is known to be written.
create table {schema}.tasks (
    task_id   uuid primary key,
    details   jsonb not null,
    published boolean not null default false,
    ended     boolean not null default false
);

create table {schema}.shifts (
    shift_id           uuid primary key,
    task_id            uuid not null,
    starts_at          timestamptz not null,
    ends_at            timestamptz not null,
    capacity           integer not null,
    waiting_list_limit integer not null,
    confirmed          integer not null default 0,
    waiting            integer not null default 0,
    cancelled          boolean not null default false
);

create index on {schema}.shifts (task_id, starts_at);

create table {schema}.published (
    topic       text not null,
    partition   integer not null,
    next_offset bigint not null,
    primary key (topic, partition)
);
