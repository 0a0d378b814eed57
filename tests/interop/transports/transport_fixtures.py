"""Fixtures for the transport tests: the shared loopback SMTP relay."""

from smtp_relay import RecordingHandler, Received, closed_port, free_port, smtp_relay  # noqa: F401  (fixtures and helpers)
