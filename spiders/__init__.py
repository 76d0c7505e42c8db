"""Scrapy spiders driven by source profiles (see patrol/sources/)."""
