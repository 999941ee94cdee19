-- The embargo: per process its phase and whether live results are public, and the public records
-- that tell the outcome (allocations) held back until the results may be public. Kept with the
-- feed's positions so a held record is neither lost nor sent twice across a restart.
create table {schema}.processes (
    process_id          uuid primary key,
    phase               text not null default 'draft',
    live_results_public boolean not null default false
);

create table {schema}.held (
    seq         bigint primary key,  -- of the internal event: released in this order
    process_id  uuid not null,
    event_id    uuid not null,       -- the record's ce_id
    occurred_at timestamptz not null,
    key         text not null,
    type_name   text not null,
    subject     text not null,
    data        jsonb not null
);

create index on {schema}.held (process_id, seq);
