"""``classify_many`` on 2 KB page texts against bare ``jieba.lcut`` and bare rjieba, and
the model's load time in a fresh process (issue 11).

    .venv/bin/python benchmarks/classify/pages.py [--rounds 3] [--pages 300]

Pages: about 2,000 characters of consecutive real news sentences (the test half
of ../shared/datasets/real-news), every third one with a held-out corpus
positive embedded at a random position, so passage scoring does its real work.
One process pinned to one CPU, BLAS on one thread, CPU time
(``time.process_time``): the machine is shared and wall time swings. The load
time is measured in a new interpreter (``python -c``: import classifiers, load
the shipped model, classify one text), CPU time of that process, best of 3.
Prints Markdown table rows for README.md.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

LOAD = ("import time; t=time.process_time(); import classifiers; m=classifiers.load_model(); "
        "m.classify('深夜福利'); print(time.process_time()-t)")


def load_time() -> float:
    best = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
        best.append(float(out.stdout.strip().splitlines()[-1]))
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--cpu", type=int, default=0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    import jieba
    import rjieba

    from classifiers import load_model
    from classifiers.corpus import load_corpus, split
    from classifiers.pages import clean_text, embed, news_sentences

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    rj = rjieba.Jieba()
    news = news_sentences(part="test")
    positives = [e for e in split(load_corpus())[1] if e.labels]
    rng = random.Random(5)
    texts = []
    for i in range(args.pages):
        if i % 3 == 0:
            texts.append(embed(rng.choice(positives).text, news, 1900, rng)[0][:2000])
        else:
            texts.append(clean_text(news, 2000, rng)[:2000])
    docs = [{"text": t} for t in texts]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    model = load_model()
    model.classify_many(docs[:16])
    rj.cut(texts[0], True)

    def timed(fn) -> float:
        t0 = time.process_time()
        fn()
        return time.process_time() - t0

    def run_classify():
        for i in range(0, len(docs), args.batch):
            model.classify_many(docs[i:i + args.batch])

    c_t, j_t, r_t = [], [], []
    for _ in range(args.rounds):
        j_t.append(timed(lambda: [jieba.lcut(t) for t in texts]))
        r_t.append(timed(lambda: [rj.cut(t, True) for t in texts]))
        c_t.append(timed(run_classify))
    c, j, r = (statistics.median(x) for x in (c_t, j_t, r_t))
    load = load_time()
    mb = nbytes / 1e6
    print(f"pages: {len(texts)} of {sum(map(len, texts)) // len(texts)} chars, {mb:.2f} MB; rounds {args.rounds}; "
          f"median CPU s: classify {c:.2f}, jieba.lcut {j:.2f}, rjieba {r:.2f}; load {load:.2f}s CPU")
    print("| date (UTC) | machine | model | pages/s classify | MB/s classify | jieba.lcut pages/s | ratio to "
          "jieba.lcut | rjieba pages/s | ratio to rjieba | model load (CPU s) |")
    print(f"| {datetime.now(timezone.utc):%Y-%m-%d %H:%M} | {platform.machine()}, {os.cpu_count()} CPUs shared, "
          f"Python {platform.python_version()}, 1 core | {model.version} | {len(texts) / c:.0f} | {mb / c:.2f} | "
          f"{len(texts) / j:.0f} | {j / c:.2f}x | {len(texts) / r:.0f} | {r / c:.3f}x | {load:.2f} |")


if __name__ == "__main__":
    main()
