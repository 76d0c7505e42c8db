"""Content patrol: crawl public listings, flag possible vulgar content,
unlicensed publication sellers and fake media for analysts to review."""

__version__ = "0.1.0"
