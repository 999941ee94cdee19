-- Participation per local area: eligible voters from the latest census, and each ballot
-- stream's area, channel and whether it counts now. Turnout is computed when read.
create table {schema}.areas (
    process_id uuid not null,
    local_area text not null,
    eligible   integer not null default 0,
    primary key (process_id, local_area)
);

create table {schema}.ballot_streams (
    stream_id  text primary key,
    process_id uuid not null,
    local_area text not null,
    channel    text not null,
    active     boolean not null
);

create index on {schema}.ballot_streams (process_id, local_area);
