-- The budget ledger per local area and per funded project, and every entry in it.
-- remaining = budget - allocated + returned; outstanding = allocated - returned - disbursed;
-- so budget = remaining + disbursed + outstanding always.
create table {schema}.areas (
    process_id    uuid not null,
    local_area    text not null,
    budget_ore    bigint not null default 0,
    allocated_ore bigint not null default 0,
    disbursed_ore bigint not null default 0,
    returned_ore  bigint not null default 0,
    primary key (process_id, local_area)
);

create table {schema}.projects (
    process_id    uuid not null,
    local_area    text not null,
    proposal_id   uuid not null,
    allocated_ore bigint not null,
    disbursed_ore bigint not null default 0,
    returned_ore  bigint not null default 0,
    primary key (process_id, proposal_id)
);

create table {schema}.entries (
    seq         bigint primary key,
    process_id  uuid not null,
    local_area  text not null,
    proposal_id uuid not null,
    kind        text not null,  -- disbursed, returned
    amount_ore  bigint not null,
    at          timestamptz not null,
    note        text not null
);

create index on {schema}.entries (process_id, local_area);
