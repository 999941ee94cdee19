"""The event contract of Samskab: envelope, event models, versions, topics and Kafka mapping.

This package is the public contract read by every projection and downstream system.
It imports nothing from `services` or `projections`.
"""
