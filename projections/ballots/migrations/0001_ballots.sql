-- Each voter's ballot per ballot stream (never public: the API shows a voter only their own)
-- and every receipt ever handed out, with whether its ballot is the one counted now.
create table {schema}.ballots (
    stream_id     text primary key,
    process_id    uuid not null,
    voter         text not null,
    local_area    text not null,
    channel       text not null,
    ballot_format text not null,
    rules_version integer not null,
    choices       jsonb not null,
    receipt       text not null,
    active        boolean not null,
    times_cast    integer not null,
    cast_at       timestamptz not null,
    withdrawn_at  timestamptz,
    entered_by    text
);

create index on {schema}.ballots (process_id, voter);

create table {schema}.receipts (
    receipt    text primary key,
    process_id uuid not null,
    stream_id  text not null,
    status     text not null  -- counted, replaced, withdrawn
);
