"""The use cases, between the edges (HTTP routes, the CLI, the phase scheduler, the Pabulib
import) and the domain: load a stream, decide, append with the expected version.

An edge turns its input into a command and a `Meta` (who, which correlation) and calls in here;
the rules live in the deciders (`services.domain`), never in an edge.
"""
