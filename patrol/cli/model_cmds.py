"""``patrol train``, ``patrol evaluate``, ``patrol classify`` and ``patrol model-compile``: the
classifier from the command line (``model-compile`` writes the .npz a crawl loads beside a .skops).

``patrol classify`` reads JSON Lines (objects with ``text``, optional ``title``
and ``source_kind`` / ``kind`` and any item fields) from FILE or stdin and
writes exactly one JSON line per input line, in order. A bad input line (not
JSON, not an object, ``text`` missing or not a string) produces the output line
``{"line": N, "error": "..."}`` and the same message on stderr, and the run goes
on; the exit status is 1 if any line was bad, else 0. Blank lines are echoed as
an error line too, so output line N always answers input line N.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from patrol import config
from patrol.errors import PatrolError

log = logging.getLogger(__name__)

BATCH = 64


def _model_path(path: str | None) -> Path:
    return Path(path or config.get("PATROL_MODEL"))


def _load(path: Path):
    from classifiers import ClassifierError, load_model
    try:
        return load_model(path)
    except ClassifierError as exc:
        raise PatrolError(str(exc)) from exc


@click.command()
@click.option("--corpus", type=click.Path(file_okay=False, exists=True), default=None,
              help="Corpus directory (default: the bundled classifiers/data/corpus).")
@click.option("--reviews", type=click.Path(file_okay=False), default=None,
              help="Directory of real clean reviews used as extra negatives (default: the shared dataset).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the .skops artifact (default: PATROL_MODEL).")
@click.option("--no-evaluate", is_flag=True, help="Skip the held-out evaluation stored in the sidecar.")
@click.option("--with-reviews", is_flag=True,
              help="Add the analysts' decisions in PATROL_STORE: confirmed flags as positives, dismissed as negatives.")
def train(corpus: str | None, reviews: str | None, output: str | None, no_evaluate: bool,
          with_reviews: bool) -> None:
    """Train the classifier on the corpus and save it with its metrics."""
    from tqdm import tqdm

    from classifiers import ClassifierError, save_model
    from classifiers.evaluate import evaluate, metrics_table, slices_table
    from classifiers.train import FOLDS, train as train_model

    out = _model_path(output)
    extra = None
    if with_reviews:
        from patrol.reviews import examples_from_store
        extra, counts = examples_from_store()
        click.echo(f"reviews: {len(extra)} examples from {counts['confirmed']} confirmed and "
                   f"{counts['dismissed']} dismissed flags ({counts['changed']} changed since, skipped)",
                   err=True)
    steps = 6 + FOLDS + (0 if no_evaluate else 1)
    with tqdm(total=steps, desc="train", unit="step", file=sys.stderr) as bar:
        def progress(message: str) -> None:
            bar.set_postfix_str(message[:50])
            bar.update(1)
        try:
            model, _ = train_model(corpus, reviews, extra=extra, progress=progress)
            metrics = None
            if not no_evaluate:
                progress("evaluating on the held-out split")
                metrics = evaluate(model, corpus, reviews)
            progress("saving")
            sidecar = save_model(model, out, metrics)
        except ClassifierError as exc:
            raise PatrolError(str(exc)) from exc
    click.echo(f"model {sidecar['version']} written to {out}")
    if metrics:
        click.echo(metrics_table(metrics))
        click.echo(slices_table(metrics))


@click.command()
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Model artifact (default: PATROL_MODEL).")
@click.option("--corpus", type=click.Path(file_okay=False, exists=True), default=None,
              help="Corpus directory whose held-out split is evaluated (default: the bundled one).")
@click.option("--reviews", type=click.Path(file_okay=False), default=None,
              help="Directory of real clean reviews for the false-positive rate.")
@click.option("--plots", type=click.Path(file_okay=False), default="pr-curves", show_default=True,
              help="Directory for the precision-recall curves (PNG, one per category).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def evaluate(model_path: str | None, corpus: str | None, reviews: str | None, plots: str, as_json: bool) -> None:
    """Per-category precision, recall, F1 and confusion on the held-out split; PR curves as PNG."""
    from classifiers import ClassifierError
    from classifiers.evaluate import evaluate as run, metrics_table, slices_table

    model = _load(_model_path(model_path))
    try:
        metrics = run(model, corpus, reviews, plot_dir=plots)
    except ClassifierError as exc:
        raise PatrolError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
    else:
        click.echo(f"model {model.version}, held-out examples {metrics['test_examples']}")
        click.echo(metrics_table(metrics))
        click.echo(slices_table(metrics))
        click.echo("precision-recall curves: " + ", ".join(metrics["plots"]))


def _parse_line(raw: str, n: int) -> dict:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"line {n}: expected a JSON object, got {type(obj).__name__}")
    if not isinstance(obj.get("text"), str):
        raise ValueError(f"line {n}: field 'text' must be a string")
    for field in ("title", "source_kind", "kind"):
        if obj.get(field) is not None and not isinstance(obj[field], str):
            raise ValueError(f"line {n}: field '{field}' must be a string")
    return obj


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Model artifact (default: PATROL_MODEL).")
def classify(file, model_path: str | None) -> None:
    """Classify JSON Lines from FILE (default: stdin): one JSON line out per line in.

    A bad line gives {"line": N, "error": "..."} (also on stderr); the run goes
    on and exits 1 at the end.
    """
    model = _load(_model_path(model_path))
    out = sys.stdout
    bad = 0
    batch: list[tuple[int, dict | str]] = []

    def flush() -> None:
        docs = [d for _, d in batch if isinstance(d, dict)]
        results = iter(model.classify_many(docs))
        for n, d in batch:
            if isinstance(d, dict):
                r = next(results)
                line = {"line": n, "scores": r["scores"], "verdicts": r["verdicts"],
                        "evidence": r["evidence"], "model_version": r["model_version"]}
                if "id" in d:
                    line["id"] = d["id"]
            else:
                line = {"line": n, "error": d}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
        batch.clear()

    for n, raw in enumerate(file, start=1):
        try:
            batch.append((n, _parse_line(raw, n)))
        except ValueError as exc:
            bad += 1
            click.echo(f"patrol classify: {exc}", err=True)
            batch.append((n, str(exc)))
        if len(batch) >= BATCH:
            flush()
    flush()
    if bad:
        click.echo(f"patrol classify: {bad} bad line(s)", err=True)
        sys.exit(1)


@click.command()
@click.option("--source", default=None, help="Only the items of this source.")
@click.option("--since", default=None, metavar="DATE",
              help="Only items fetched on or after DATE (YYYY-MM-DD or an ISO date-time, UTC).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Model artifact (default: PATROL_MODEL).")
def rescore(source: str | None, since: str | None, model_path: str | None) -> None:
    """Judge stored items again with the current model, without fetching them.

    Flags are raised or refreshed as a crawl would raise them; decided flags keep
    their decision and history.
    """
    import datetime as dt

    from patrol.rescore import rescore as run
    from patrol.store import open_store

    when = None
    if since:
        try:
            when = dt.datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"not a date: {since!r} (use YYYY-MM-DD)", param_hint="--since") from None
    model = _load(_model_path(model_path))
    with open_store(config.get("PATROL_STORE")) as store:
        counts = run(store, model, source=source, since=when)
    flags = ", ".join(f"{k[6:]} {v}" for k, v in sorted(counts.items()) if k.startswith("flags_")) or "none"
    click.echo(f"model {model.version}: {counts['classified']} of {counts['items']} items rescored "
               f"({counts['errors']} errors); flags: {flags}; open flags the model no longer raises: "
               f"{counts['now_pass']} ({counts['retired']} retired, the others held by an analyst)")
    if counts["errors"]:
        sys.exit(1)


@click.command("model-compile")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Model artifact (.skops) to compile (default: PATROL_MODEL).")
def model_compile(model_path: str | None) -> None:
    """Write the compiled .npz beside an existing .skops (what crawls load; `patrol train` writes it too)."""
    from classifiers import ClassifierError
    from classifiers.artifact import compile_artifact, compiled_path

    path = _model_path(model_path)
    try:
        sidecar = compile_artifact(path)
    except ClassifierError as exc:
        raise PatrolError(str(exc)) from exc
    click.echo(f"model {sidecar['version']}: {compiled_path(path)} written (sha256 {sidecar['compiled_sha256']})")


commands = [train, evaluate, classify, rescore, model_compile]
