"""The audit-trail projection."""
