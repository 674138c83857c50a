"""Assent: the Django project and the consent domain around the ledger."""

from consent.celery import app as celery_app

__all__ = ["celery_app"]
