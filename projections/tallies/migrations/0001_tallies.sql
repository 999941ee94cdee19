-- Live tallies: per process its phase and embargo, per budget the ballots counted, per proposal
-- on the ballot its score under the ballot format, and each ballot stream's counted ballot
-- (its contribution), so a replacement or withdrawal takes exactly that away again.
create table {schema}.processes (
    process_id          uuid primary key,
    phase               text not null,
    live_results_public boolean not null default false,
    ballot_format       text,
    tally_rule          text not null default 'greedy',
    version             bigint not null,  -- seq of the last event that changed this tally
    updated_at          timestamptz not null
);

create table {schema}.budgets (
    process_id uuid not null,
    local_area text not null,
    amount_ore bigint,  -- null: no such budget (removed, or ballots seen before it was set)
    ballots    integer not null default 0,
    primary key (process_id, local_area)
);

create table {schema}.scores (
    process_id  uuid not null,
    proposal_id uuid not null,
    local_area  text not null,
    price_ore   bigint,
    on_ballot   boolean not null default false,
    score       bigint not null default 0,
    primary key (process_id, proposal_id)
);

create table {schema}.streams (
    stream_id  text primary key,
    process_id uuid not null,
    local_area text not null,
    scores     jsonb not null,  -- proposal id -> what this ballot adds to its score
    active     boolean not null
);
