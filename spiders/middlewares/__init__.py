"""Downloader middlewares of the patrol crawl."""
