-- Read models of volunteer tasks and shifts, built only from events (no clock, no randomness),
-- so a replay into a fresh schema yields the same rows.

create table {schema}.tasks (
    task_id                      uuid primary key,
    status                       text not null,
    organizer_kind               text not null,
    organizer_name               text not null,
    drafted_by                   text not null,
    managers                     text[] not null,
    local_area                   text not null,
    core_task                    text not null,
    title                        jsonb not null,
    description                  jsonb not null,
    work                         jsonb not null,
    provided                     jsonb not null,
    accessibility                jsonb not null,
    address                      text not null,
    latitude                     double precision,
    longitude                    double precision,
    minimum_age                  integer not null,
    signup_closes_minutes_before integer not null,
    attested                     boolean not null default false,
    version                      integer not null,
    updated_at                   timestamptz not null
);

create index on {schema}.tasks (status, local_area, core_task);

create table {schema}.shifts (
    shift_id           uuid primary key,
    task_id            uuid not null,
    series_id          uuid,
    starts_at          timestamptz not null,
    ends_at            timestamptz not null,
    capacity           integer not null,
    waiting_list_limit integer not null,
    status             text not null,
    cancel_reason      text not null default '',
    version            integer not null
);

create index on {schema}.shifts (task_id, starts_at);
create index on {schema}.shifts (starts_at);

-- One row per sign-up. `signed_up_seq` (the global order) orders the waiting list.
create table {schema}.signups (
    signup_id      uuid primary key,
    shift_id       uuid not null,
    task_id        uuid not null,
    participant    text not null,
    contact_ref    text not null,
    status         text not null,
    signed_up_seq  bigint not null,
    signed_up_at   timestamptz not null,
    promoted_at    timestamptz,
    ended_at       timestamptz,
    end_reason     text not null default '',
    attended       boolean,
    minutes        integer
);

create index on {schema}.signups (shift_id, status, signed_up_seq);
create index on {schema}.signups (participant);

-- Hours and participation per local area, core task and month (of the shift's start, in the
-- municipality's time zone); the latest attendance record of a sign-up counts.
create view {schema}.participation as
select t.local_area,
       t.core_task,
       to_char(s.starts_at at time zone 'Europe/Copenhagen', 'YYYY-MM') as month,
       coalesce(sum(g.minutes) filter (where g.attended), 0)::bigint as minutes,
       count(*) filter (where g.attended) as attended,
       count(*) filter (where not g.attended) as no_shows,
       count(distinct g.participant) filter (where g.attended) as participants,
       count(distinct g.shift_id) filter (where g.attended) as shifts
from {schema}.signups g
join {schema}.shifts s using (shift_id)
join {schema}.tasks t on t.task_id = s.task_id
where g.attended is not null
group by 1, 2, 3;
