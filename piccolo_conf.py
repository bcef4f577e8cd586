"""Piccolo configuration: the engine comes from DATABASE_URL (a SQLite file under RUQI_DATA_DIR by default)."""

from piccolo.conf.apps import AppRegistry

from api.settings import Settings
from models.db import engine_from_url

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["models.piccolo_app"])
