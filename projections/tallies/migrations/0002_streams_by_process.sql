-- The current outcome is counted from a process's active ballots, grouped: find them by process.
-- A ranking's weights now include its last proposal at 0 (the ranking is read back from them);
-- rows written before keep their old form until a replay rewrites them.
create index on {schema}.streams (process_id) where active;
