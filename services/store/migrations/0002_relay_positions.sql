-- The last event seq the relay knows is on each topic partition: compared with the broker's
-- tail on (re)connect, so a broker that lost data (the embedded one restarts empty) is refilled.
create table eventstore.relay_positions (
    topic     text not null,
    partition integer not null,
    last_seq  bigint not null,
    primary key (topic, partition)
);
