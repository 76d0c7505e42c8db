"""Project commands of ``scrapy`` (``COMMANDS_MODULE`` in patrol.settings)."""
