"""Fixtures of the classifier tests: the shipped model, loaded once."""

from __future__ import annotations

import pytest

from classifiers import DEFAULT_MODEL, load_model


@pytest.fixture(scope="session")
def model():
    return load_model(DEFAULT_MODEL)
