"""Text classification for the three patrol categories. A library over plain
text and dicts: it imports nothing from Scrapy, the store or the CLI."""
