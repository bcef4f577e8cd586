"""ruqi HTTP API: the app factory, controllers, schemas and services."""

__version__ = "0.1.0"
