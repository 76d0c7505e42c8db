"""Fixtures of the classifier tests: the shipped model, loaded once (compiled, as a crawl
loads it), and the same model's scikit-learn pipeline from the .skops."""

from __future__ import annotations

import pytest

from classifiers import DEFAULT_MODEL, load_model


@pytest.fixture(scope="session")
def model():
    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def skops_model():
    return load_model(DEFAULT_MODEL, compiled=False)
