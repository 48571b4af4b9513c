"""hallq: self-service kiosk and counter-queue system for government service halls."""

__version__ = "0.1.0"
