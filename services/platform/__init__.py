"""What every process stands on, whatever it serves: settings, the database (connections and
migrations), the Kafka clients, logs, the cycle collector, and the health and metrics endpoint.

The API, the CLI, the scheduler, the relay and every projection compose these; nothing here
knows of them (an import contract checks it)."""
