"""Results from the record: result certificates, and Pabulib files in and out of the event store."""
