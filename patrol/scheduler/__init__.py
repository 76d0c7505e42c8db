"""Nightly crawls with APScheduler (``patrol schedule``)."""

from patrol.scheduler.service import PatrolScheduler, job_id  # noqa: F401
