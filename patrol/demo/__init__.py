"""The bundled demo web: five small sites (an app store, two shops, two news
sites) with realistic clean and flaggable Chinese content, served on
127.0.0.1 by ``patrol.demo.server``. See ``patrol/demo/README.md``."""

from patrol.demo.sites import ENV_VARS, SITE_NAMES
from patrol.demo.web import DemoWeb

__all__ = ["DemoWeb", "ENV_VARS", "SITE_NAMES"]
