"""Independent projection services, each with its own consumer group and PostgreSQL schema."""
