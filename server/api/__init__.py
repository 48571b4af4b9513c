"""The HTTP API under /api/v1: routers translate requests to use cases and outcomes to
responses; they decide nothing."""
