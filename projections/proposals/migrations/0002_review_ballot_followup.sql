-- The catalog grows: review, prices, supports, merge, ballot, funding, implementation, and
-- a Danish full-text index over title and description.
alter table {schema}.proposals
    add column revision               integer not null default 1,
    add column supports               integer not null default 0,
    add column feasible               boolean,
    add column review_reason          text not null default '',
    add column cost_estimate_ore      bigint,
    add column price_ore              bigint,
    add column on_ballot              boolean not null default false,
    add column merged_into            uuid,
    add column incompatible_with      uuid[] not null default '{}',
    add column location               jsonb,
    add column funded_ore             bigint,
    add column implementation_status  text,
    add column progress_percent       integer,
    add column implementation_note    text not null default '',
    add column search tsvector generated always as
        (to_tsvector('danish', title || ' ' || description)) stored;

create index on {schema}.proposals using gin (search);
create index on {schema}.proposals (process_id, local_area, core_task, status);

create table {schema}.milestones (
    milestone_id uuid primary key,
    proposal_id  uuid not null,
    process_id   uuid not null,
    title        text not null,
    due_on       date,
    completed_on date
);

create index on {schema}.milestones (proposal_id);
