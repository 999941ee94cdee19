create table {schema}.processes (
    process_id   uuid primary key,
    title        text not null,
    municipality text not null,
    created_at   timestamptz not null
);

create table {schema}.proposals (
    proposal_id        uuid primary key,
    process_id         uuid not null,
    title              text not null,
    description        text not null,
    estimated_cost_ore bigint not null,
    local_area         text not null,
    core_task          text not null,
    author             text not null,
    status             text not null,
    version            integer not null,
    submitted_at       timestamptz not null,
    updated_at         timestamptz not null
);

create index on {schema}.proposals (process_id, submitted_at);
