"""ASGI entry point for servers (``ruqi run``, uvicorn): the app built from the environment."""

from api.app import create_app

app = create_app()
