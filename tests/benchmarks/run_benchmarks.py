"""Speed and memory benchmarks of the inline and local runners.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/run_benchmarks.py [--work DIR] [--sizes 200,1024]

It generates its data, installs mrjob 0.7.4 into a virtualenv of its own
(inside the work dir) for comparison, runs every contender in turn, checks
that the outputs agree, and writes the results into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
DISTINCT = os.path.join(HERE, "mr_distinct_keys.py")
PLAIN = os.path.join(HERE, "plain_word_count.py")
PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
MARKER = "<!-- benchmark results -->"


# --- data --------------------------------------------------------------------------


def make_text(path: str, megabytes: int) -> None:
    """English-like text: words from a Zipf-distributed vocabulary."""
    if os.path.exists(path) and os.path.getsize(path) >= megabytes << 20:
        return
    rng = random.Random(20261121)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "an", "el", "or",
                 "ium", "the", "and", "st", "qu", "ay", "ze", "dö"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
             for _ in range(60000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    target = megabytes << 20
    with open(path + ".tmp", "w", encoding="utf_8") as out:
        written = 0
        while written < target:
            words = rng.choices(vocab, weights, k=100000)
            lines, i = [], 0
            while i < len(words):
                n = rng.randint(5, 14)
                line = " ".join(words[i:i + n])
                if rng.random() < 0.3:
                    line = line.capitalize() + "."
                lines.append(line)
                i += n
            chunk = "\n".join(lines) + "\n"
            out.write(chunk)
            written += len(chunk.encode("utf_8"))
    os.replace(path + ".tmp", path)


def make_distinct(path: str, megabytes: int) -> None:
    """Lines ``key<TAB>1`` with every key different, in shuffled order."""
    if os.path.exists(path) and os.path.getsize(path) >= megabytes << 20:
        return
    rng = random.Random(7)
    target = megabytes << 20
    line_size = len("k%014d\t1\n" % 0)
    count = target // line_size + 1
    with open(path + ".tmp", "w") as out:
        block = 1 << 20
        for start in range(0, count, block):
            ids = list(range(start, min(start + block, count)))
            rng.shuffle(ids)
            out.write("".join("k%014d\t1\n" % (i * 2654435761 % (1 << 46)) for i in ids))
    os.replace(path + ".tmp", path)


# --- measuring ---------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Resident memory of *root* and all its descendants, in bytes."""
    children: dict = {}
    rss: dict = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(name))
            rss[int(name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measure(cmd: list, out_path: str, env: dict | None = None) -> tuple:
    """Run *cmd* with stdout to *out_path*; return (seconds, peak tree RSS)."""
    peak = [0]
    with open(out_path, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE,
                                env=dict(os.environ, **(env or {})))
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit("benchmark command failed: %s\n%s" % (" ".join(cmd), err.decode()[-3000:]))
    return elapsed, peak[0]


def mrjob_python(work: str) -> str:
    """A virtualenv with mrjob 0.7.4, made once in *work*."""
    venv = os.path.join(work, "mrjob-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "mrjob==0.7.4"], check=True)
    return python


def mrjob_version_of(script: str, work: str) -> str:
    """The same job with its imports changed to mrjob's."""
    target = os.path.join(work, "mrjob_" + os.path.basename(script))
    with open(script, encoding="utf_8") as src, open(target, "w", encoding="utf_8") as dst:
        dst.write(src.read().replace("from streamr.", "from mrjob."))
    return target


def sorted_lines(path: str) -> list:
    with open(path, "rb") as handle:
        return sorted(handle)


def same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as one, open(b, "rb") as two:
        return one.read() == two.read()


# --- the benchmarks --------------------------------------------------------------------


def word_count(work: str, megabytes: int, inline_megabytes: int, rows: list) -> None:
    text = os.path.join(work, "text-%dmb.txt" % megabytes)
    make_text(text, megabytes)
    small = os.path.join(work, "text-%dmb.txt" % inline_megabytes)
    make_text(small, inline_megabytes)
    mrjob_py = mrjob_python(work)
    mrjob_wc = mrjob_version_of(WORD_COUNT, work)
    py = sys.executable
    out = lambda name: os.path.join(work, name + ".out")  # noqa: E731

    plain_s, plain_mem = measure([py, PLAIN, text], out("plain"))
    local_s, local_mem = measure([py, WORD_COUNT, "-r", "local", "-q", "--no-conf", text],
                                 out("streamr-local"))
    mrjob_s, mrjob_mem = measure([mrjob_py, mrjob_wc, "-r", "local", "-q", "--no-conf", text],
                                 out("mrjob-local"))
    assert same_bytes(out("plain"), out("streamr-local")), "streamr local output differs"
    assert sorted_lines(out("mrjob-local")) == sorted_lines(out("streamr-local")), \
        "mrjob local output differs"
    rows.append(("word count, %d MB, plain Counter script (1 process)" % megabytes,
                 plain_s, plain_mem, ""))
    rows.append(("word count, %d MB, streamr -r local" % megabytes, local_s, local_mem,
                 "%.2fx the plain script; %.1fx faster than mrjob" % (
                     local_s / plain_s, mrjob_s / local_s)))
    rows.append(("word count, %d MB, mrjob 0.7.4 -r local" % megabytes, mrjob_s, mrjob_mem, ""))

    inline_s, inline_mem = measure([py, WORD_COUNT, "-r", "inline", "-q", "--no-conf", small],
                                   out("streamr-inline"))
    mrjob_inline_s, mrjob_inline_mem = measure(
        [mrjob_py, mrjob_wc, "-r", "inline", "-q", "--no-conf", small], out("mrjob-inline"))
    assert sorted_lines(out("mrjob-inline")) == sorted_lines(out("streamr-inline")), \
        "mrjob inline output differs"
    rows.append(("word count, %d MB, streamr -r inline" % inline_megabytes, inline_s,
                 inline_mem, "%.1fx faster than mrjob" % (mrjob_inline_s / inline_s)))
    rows.append(("word count, %d MB, mrjob 0.7.4 -r inline" % inline_megabytes,
                 mrjob_inline_s, mrjob_inline_mem, ""))


def distinct_keys(work: str, sizes: list, rows: list) -> None:
    per_mb = {}
    for megabytes in sizes:
        data = os.path.join(work, "distinct-%dmb.txt" % megabytes)
        make_distinct(data, megabytes)
        seconds, peak = measure([sys.executable, DISTINCT, "-r", "local", "-q", "--no-conf",
                                 "-o", os.path.join(work, "distinct-out-%d" % megabytes),
                                 "--no-cat-output", data], os.devnull)
        subprocess.run(["rm", "-rf", os.path.join(work, "distinct-out-%d" % megabytes)])
        per_mb[megabytes] = seconds / megabytes
        rows.append(("distinct keys, %d MB, streamr -r local" % megabytes, seconds, peak,
                     "%.3f s/MB" % per_mb[megabytes]))
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        rows.append(("distinct keys: time per MB at %d MB / at %d MB" % (large, small),
                     None, None, "%.2f" % (per_mb[large] / per_mb[small])))


def write_results(rows: list, command: str) -> None:
    lines = [MARKER, "", "Measured on %s, %d cores, Python %s, with:" % (
        time.strftime("%Y-%m-%d"), os.cpu_count() or 1, sys.version.split()[0]),
        "", "```sh", command, "```", "",
        "| run | seconds | peak memory (process tree) | notes |",
        "|-----|--------:|---------------------------:|-------|"]
    for name, seconds, peak, note in rows:
        lines.append("| %s | %s | %s | %s |" % (
            name, "" if seconds is None else "%.1f" % seconds,
            "" if peak is None else "%d MB" % (peak >> 20), note))
    with open(PERFORMANCE_MD, encoding="utf_8") as handle:
        text = handle.read()
    head = text.split(MARKER)[0].rstrip() + "\n\n"
    with open(PERFORMANCE_MD, "w", encoding="utf_8") as handle:
        handle.write(head + "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=os.path.join(HERE, "_data"),
                        help="where data, outputs and the mrjob virtualenv go")
    parser.add_argument("--text-mb", type=int, default=200)
    parser.add_argument("--inline-mb", type=int, default=20)
    parser.add_argument("--distinct-mb", default="200,1024",
                        help="comma-separated input sizes for the distinct-keys job")
    parser.add_argument("--skip", default="", help="comma-separated: wordcount,distinct")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rows: list = []
    skip = set(filter(None, args.skip.split(",")))
    if "wordcount" not in skip:
        word_count(args.work, args.text_mb, args.inline_mb, rows)
    if "distinct" not in skip:
        distinct_keys(args.work, [int(s) for s in args.distinct_mb.split(",")], rows)
    for row in rows:
        print(*row, sep=" | ")
    write_results(rows, " ".join(["python tests/benchmarks/run_benchmarks.py"] + sys.argv[1:]))


if __name__ == "__main__":
    main()
