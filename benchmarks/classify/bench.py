"""Throughput of ``Model.classify_many`` against bare ``jieba.lcut`` on the same texts, one core.

    .venv/bin/python benchmarks/classify/bench.py [--rounds 3] [--batch 64]

Texts: every corpus text (title + text) and as many real reviews again, so the
mix is listing text and ordinary writing. jieba is initialised before timing
(its dictionary load is not counted); the model is loaded before timing. Both
run in this one process, pinned to one CPU, with BLAS limited to one thread,
and are timed in CPU time of the process (``time.process_time``), which the
other jobs of a shared machine disturb far less than wall time.
Prints one Markdown table row to paste into README.md.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to")
    parser.add_argument("--model", default=None, help="model artifact (default: the shipped one)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    import jieba

    from classifiers import load_model
    from classifiers.corpus import load_corpus, load_reviews

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    corpus = load_corpus()
    texts = [(e.title + "\n" + e.text) if e.title else e.text for e in corpus]
    texts += load_reviews(part="test")[: len(texts)]
    docs = [{"text": t} for t in texts]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    model = load_model(args.model)
    model.classify_many(docs[:32])  # warm up the segmenter and caches

    def run_classify() -> float:
        t0 = time.process_time()
        for i in range(0, len(docs), args.batch):
            model.classify_many(docs[i:i + args.batch])
        return time.process_time() - t0

    def run_jieba() -> float:
        t0 = time.process_time()
        for t in texts:
            jieba.lcut(t)
        return time.process_time() - t0

    c_times, j_times = [], []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        j_times.append(run_jieba())
        c_times.append(run_classify())
    c, j = statistics.median(c_times), statistics.median(j_times)
    mb = nbytes / 1e6
    print(f"texts: {len(texts)}, {mb:.2f} MB UTF-8, {sum(map(len, texts))} characters; "
          f"rounds {args.rounds}, batch {args.batch}, median CPU times: classify {c:.2f}s, jieba.lcut {j:.2f}s")
    print("| date (UTC) | machine | texts | MB | classify texts/s | classify MB/s | jieba.lcut texts/s "
          "| jieba.lcut MB/s | ratio |")
    print(f"| {datetime.now(timezone.utc):%Y-%m-%d %H:%M} | {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, 1 core | {len(texts)} | {mb:.2f} | "
          f"{len(texts) / c:.0f} | {mb / c:.2f} | {len(texts) / j:.0f} | {mb / j:.2f} | {j / c:.2f}x |")


if __name__ == "__main__":
    main()
