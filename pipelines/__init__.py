"""Scrapy item pipelines: normalise -> dedupe/change -> classify -> store."""
