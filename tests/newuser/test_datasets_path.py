"""The shared datasets are found beside the repository wherever it is cloned
(not at a fixed path), or where PATROL_DATASETS says; a missing dataset is one
error line that says what is missing and where it was looked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from classifiers.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


def _dirs(env: dict) -> list[str]:
    code = ("from classifiers.corpus import REVIEWS_DIR; from classifiers.pages import NEWS_DIR; "
            "print(REVIEWS_DIR); print(NEWS_DIR)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def test_datasets_beside_the_repository_or_where_the_setting_says(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PATROL_DATASETS"}
    env["PYTHONPATH"] = str(ROOT)
    beside = next((p / "shared" / "datasets" for p in ROOT.parents
                   if (p / "shared" / "datasets").is_dir()), ROOT.parent / "shared" / "datasets")
    assert _dirs(env) == [str(beside / "real-reviews"), str(beside / "real-news")]
    assert _dirs(dict(env, PATROL_DATASETS=str(tmp_path))) == [
        str(tmp_path / "real-reviews"), str(tmp_path / "real-news")]


def test_a_missing_dataset_is_one_line_naming_it(tmp_path):
    from classifiers.corpus import load_reviews
    from classifiers.pages import news_sentences
    for load in (load_reviews, news_sentences):
        with pytest.raises(DataError) as err:
            load(tmp_path)
        message = str(err.value)
        assert "\n" not in message and str(tmp_path) in message and "PATROL_DATASETS" in message
