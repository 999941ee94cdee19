-- The process overview: what a process is, its phase and rules, its budgets, schedule,
-- the ballot (proposals and their prices) and the allocations proposed and decided.
create table {schema}.processes (
    process_id          uuid primary key,
    title               text not null,
    title_en            text not null,
    description         text not null,
    description_en      text not null,
    municipality        text not null,
    phase               text not null,
    core_tasks          jsonb not null,
    rules               jsonb,
    rules_version       integer not null default 0,
    budget_scope        text not null default 'own_area',
    tally_rule          text not null default 'greedy',
    live_results_public boolean not null default false,
    support_threshold   integer not null default 0,
    minimum_age         integer,
    census_id           uuid,
    created_at          timestamptz not null,
    updated_at          timestamptz not null,
    version             integer not null
);

create table {schema}.budgets (
    process_id uuid not null,
    local_area text not null,
    name       text not null,
    amount_ore bigint not null,
    primary key (process_id, local_area)
);

create table {schema}.schedule (
    process_id uuid not null,
    phase      text not null,
    starts_at  timestamptz,
    ends_at    timestamptz,
    primary key (process_id, phase)
);

create table {schema}.phase_changes (
    process_id  uuid not null,
    seq         bigint not null,
    from_phase  text not null,
    to_phase    text not null,
    at          timestamptz not null,
    by_schedule boolean not null,
    primary key (process_id, seq)
);

create table {schema}.ballot_items (
    process_id  uuid not null,
    proposal_id uuid not null,
    local_area  text not null,
    price_ore   bigint not null,
    primary key (process_id, proposal_id)
);

create table {schema}.allocations (
    process_id      uuid not null,
    local_area      text not null,
    proposed_rule   text,
    proposed        jsonb,
    ballots_counted integer,
    input_hash      text,
    decided         jsonb,
    confirmed       boolean,
    reason          text,
    decided_by      text,
    primary key (process_id, local_area)
);
