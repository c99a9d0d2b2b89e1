"""Handing one step's output to the next step's map tasks inside Spark:
the byte ranges cut in one pass over each part, and the lines each map
task receives, must be exactly the splits the local runner plans over the
same part files and the lines it reads from them (so ``_init``/``_final``
and part files match ``-r local``). Plain Python: no Spark needed."""

from __future__ import annotations

import random

import pytest

from streamr.engine.splits import (
    InputFile,
    Position,
    Split,
    file_line_end,
    pack_splits,
    plan_splits,
    read_split,
)
from streamr.runners.spark.tasks import cut_part, route_lines, split_share


def _parts(seed: int, count: int) -> list:
    """*count* part files' lines: mostly short, some long, some empty
    parts, and a last line without its newline now and then."""
    rng = random.Random(seed)
    parts = []
    for _ in range(count):
        lines = [b"x" * rng.choice([0, 1, 5, 30, 200]) + b"\n"
                 for _ in range(rng.choice([0, 1, 7, 40]))]
        if lines and rng.random() < 0.3:
            lines[-1] = lines[-1].rstrip(b"\n") + b"tail"
        parts.append(lines)
    return parts


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("largest", [None, 64])
def test_cuts_and_routing_match_the_local_split_plan(tmp_path, seed, largest):
    parts = _parts(seed, 1 + seed % 5 if seed < 10 else 130)  # 130: packed tasks
    paths = []
    for num, lines in enumerate(parts):
        path = tmp_path / ("part-%05d" % num)
        path.write_bytes(b"".join(lines))
        paths.append(str(path))
    target = 4
    files = [InputFile(path, "p", len(b"".join(lines)), False)
             for path, lines in zip(paths, parts)]
    expected = plan_splits(files, target, largest, file_line_end(paths))

    size = split_share([f.size for f in files], target, largest or (128 << 20))
    cut = cut_part(size, largest or (128 << 20))
    got = [Split(paths[part], start, length, False, "p", part)
           for num, lines in enumerate(parts) for part, start, length in cut(num, iter(lines))]
    assert got == expected

    groups = pack_splits(got, target, largest)
    owners: dict = {}
    for task, group in enumerate(groups):
        for place, split in enumerate(group):
            owners.setdefault(split.source, []).append((split.start, task, place))
    routed: dict = {}
    for num, lines in enumerate(parts):
        for (task, place, _), line in sorted(route_lines(owners)(num, iter(lines))):
            routed.setdefault((task, place), []).append(line)
    for task, group in enumerate(groups):
        for place, split in enumerate(group):
            assert routed.get((task, place), []) == list(read_split(split, Position())), \
                (task, place, split)
