"""What reading from and writing to S3 costs the local runner.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/s3_word_count.py [--work DIR] [--text-mb 200]

The S3 here is moto on 127.0.0.1 in this process, so the numbers measure
streamr's own S3 path (listing, parallel copying, upload of parts) and
moto's speed, not a network. The input is cut into 8 objects, half of them
gzipped; the job runs once from local files and once from S3 to S3, and the
outputs must be byte-identical. Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from benchlib.contenders import WORD_COUNT  # noqa: E402
from benchlib.data import make_text  # noqa: E402
from benchlib.measure import measure  # noqa: E402

from tests.moto_server import MotoServer, offline_aws_environment  # noqa: E402

PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
S3_MARKER = "<!-- s3 benchmark results -->"
S3_END_MARKER = "<!-- end of s3 benchmark results -->"
PIECES = 8


def cut_into_pieces(text: str, directory: str) -> list:
    """*text* cut at line boundaries into PIECES files, every other one gzipped."""
    os.makedirs(directory, exist_ok=True)
    size = os.path.getsize(text)
    paths = []
    with open(text, "rb") as src:
        for num in range(PIECES):
            data = src.read(size // PIECES) + (src.readline() if num < PIECES - 1 else src.read())
            name = "part-%d.txt" % num + (".gz" if num % 2 else "")
            path = os.path.join(directory, name)
            with open(path, "wb") as out:
                out.write(gzip.compress(data, compresslevel=1) if num % 2 else data)
            paths.append(path)
    return paths


def parts_of(directory: str) -> bytes:
    names = sorted(n for n in os.listdir(directory) if n.startswith("part-"))
    return b"".join(open(os.path.join(directory, n), "rb").read() for n in names)


def write_results(rows: list, command: str) -> None:
    lines = [S3_MARKER, "", "## Reading and writing S3 (local runner)", "",
             "Measured on %s, %d cores, Python %s, with:" % (
                 time.strftime("%Y-%m-%d"), os.cpu_count() or 1, sys.version.split()[0]),
             "", "```sh", command, "```", "",
             "| run | seconds | notes |", "|-----|--------:|-------|"]
    lines += ["| %s | %.1f | %s |" % row for row in rows]
    with open(PERFORMANCE_MD, encoding="utf_8") as handle:
        text = handle.read()
    # the block between the two markers is this benchmark's; the text around it is not
    head, _, rest = text.partition(S3_MARKER)
    _, _, tail = rest.partition(S3_END_MARKER)
    with open(PERFORMANCE_MD, "w", encoding="utf_8") as handle:
        handle.write(head + "\n".join(lines) + "\n\n" + S3_END_MARKER + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=os.path.join(HERE, "_data"))
    parser.add_argument("--text-mb", type=int, default=200)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    text = os.path.join(args.work, "text-%dmb.txt" % args.text_mb)
    make_text(text, args.text_mb)
    pieces = cut_into_pieces(text, os.path.join(args.work, "s3-pieces"))

    for name, value in offline_aws_environment(args.work).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server = MotoServer()
    endpoint = server.start()
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-west-2")
        for bucket in ("bench-in", "bench-out"):
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        for path in pieces:
            s3.upload_file(path, "bench-in", "text/" + os.path.basename(path))

        local_out = os.path.join(args.work, "s3-bench-local-out")
        shutil.rmtree(local_out, ignore_errors=True)
        base = [sys.executable, WORD_COUNT, "-r", "local", "--no-conf"]
        local_s = measure(base + pieces + ["-o", local_out], os.devnull).wall
        s3_s = measure(base + ["--s3-endpoint", endpoint, "s3://bench-in/text/",
                               "-o", "s3://bench-out/wc/"], os.devnull).wall
        keys = [item["Key"] for item in s3.list_objects_v2(
            Bucket="bench-out", Prefix="wc/")["Contents"]]
        from_s3 = b"".join(s3.get_object(Bucket="bench-out", Key=key)["Body"].read()
                           for key in sorted(keys) if key.startswith("wc/part-"))
        if from_s3 != parts_of(local_out) or "wc/_SUCCESS" not in keys:
            raise SystemExit("the S3 run's output differs from the local run's")
    finally:
        server.stop()
    mb = args.text_mb
    rows = [("word count, %d MB in %d files, local files to local dir" % (mb, PIECES),
             local_s, ""),
            ("word count, %d MB in %d objects, S3 (moto) to S3" % (mb, PIECES), s3_s,
             "%.1f s more than local: copying in, uploading parts; output byte-identical"
             % (s3_s - local_s))]
    for row in rows:
        print("%-70s %6.1f s  %s" % row)
    write_results(rows, "python tests/benchmarks/s3_word_count.py --text-mb %d" % mb)


if __name__ == "__main__":
    main()
