"""The engine's fast readers give exactly what the plain ones give.

Map tasks read default-protocol input in blocks (``read_split_blocks`` and
``decode_text_blocks``) instead of line by line; reduce tasks read the key
range of a sorted run without looking at most keys (``read_range``) and
merge runs by keys made in C (``merge_range``). Each is checked here
against the simple rule it replaces, on data built to hit its edges.
"""

import random

import pytest

from streamr.engine import splits as splits_module
from streamr.engine.records import Position, decode_lines, decode_text_blocks, split_key
from streamr.engine.sortedruns import RunWriter, merge_range, read_index, read_range
from streamr.engine.splits import InputFile, Split, plan_splits, read_split, read_split_blocks
from streamr.protocol import TextValueProtocol


def _awkward_text(rng: random.Random, count: int) -> bytes:
    """Lines of varied length, some with \\r\\n endings, some not UTF-8,
    some empty, and no newline at the very end."""
    pieces = []
    for num in range(count):
        body = ("line %d " % num) + "é" * rng.randrange(3) + "x" * rng.randrange(200)
        raw = body.encode("utf_8")
        if num % 17 == 5:
            raw += b"\xff\xfe latin"
        if num % 23 == 7:
            raw = b""
        pieces.append(raw + (b"\r\n" if num % 5 == 0 else b"\n"))
    return b"".join(pieces) + b"no newline at the end"


@pytest.mark.parametrize("max_split", [1000, 4096, 20000, None])
def test_blocks_decode_to_the_records_lines_decode_to(tmp_path, monkeypatch, max_split):
    monkeypatch.setattr(splits_module, "BLOCK_BYTES", 333)  # many blocks, cut mid-line
    data = _awkward_text(random.Random(5), 600)
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    read = TextValueProtocol().read
    planned = plan_splits([InputFile(str(path), "input.txt", len(data), False)], 1,
                          max_split=max_split)
    assert len(planned) > 1 or max_split is None
    everything = []
    for split in planned:
        by_line = list(decode_lines(read_split(split, Position()), read, Position()))
        blocks = list(read_split_blocks(split, Position()))
        assert b"".join(blocks) == b"".join(read_split(split, Position()))
        assert list(decode_text_blocks(blocks, Position())) == by_line
        everything.extend(by_line)
    assert len(everything) == data.count(b"\n") + 1


def test_a_failure_inside_a_block_names_its_line(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(b"".join(b"row %d\n" % num for num in range(1, 50)))
    position = Position()
    records = decode_text_blocks(
        read_split_blocks(Split(str(path), 0, path.stat().st_size, False, "input.txt"),
                          position), position)
    for _, value in records:
        if value == "row 37":
            break
    assert str(position) == "input.txt line 37"
    # once the input is used up, the count stays on its last line
    list(records)
    assert position.line == 49


def _write_run(path, lines):
    writer = RunWriter(str(path))
    writer.write_lines(lines)
    writer.close()


def _sorted_lines(rng, count, keys):
    lines = [b'"k%05d"\t%d\n' % (rng.randrange(keys), num) for num in range(count)]
    lines.sort(key=split_key)
    return lines


def test_read_range_gives_exactly_the_keys_in_range(tmp_path):
    rng = random.Random(11)
    lines = _sorted_lines(rng, 30000, 3000)  # past the part indexed at every key
    run = tmp_path / "run"
    _write_run(run, lines)
    index = read_index(str(run))
    assert len(index) < 3000 + 50  # sparse past the first bytes
    keys = sorted({split_key(line) for line in lines})
    bounds = [None, b'"', b'"zz"'] + [keys[i] for i in (0, 1, 17, 1500, 2998, 2999)] + [
        keys[i][:-1] + b"5" for i in (3, 2000)]
    for low in bounds:
        for high in bounds:
            if low is not None and high is not None and high < low:
                continue
            wanted = [line for line in lines
                      if (low is None or split_key(line) >= low)
                      and (high is None or split_key(line) < high)]
            assert list(read_range(str(run), low, high)) == wanted, (low, high)


def test_merge_keeps_run_order_for_equal_keys(tmp_path):
    rng = random.Random(3)
    runs, everything = [], []
    for num in range(4):
        lines = _sorted_lines(rng, 5000, 50)
        lines.append(b"no tab at all\n")  # a line that is all key
        lines.sort(key=split_key)
        path = tmp_path / ("run-%d" % num)
        _write_run(path, lines)
        runs.append(str(path))
        everything.extend(lines)
    # what one stable sort of all runs, in run order, gives
    assert list(merge_range(runs, None, None)) == sorted(everything, key=split_key)
    low, high = b'"k00010"', b'"k00040"'
    assert list(merge_range(runs, low, high)) == [
        line for line in sorted(everything, key=split_key) if low <= split_key(line) < high]


def test_inline_joins_only_lines_that_cutting_gives_back():
    from streamr.runners.inline import _blocks

    whole = [b"a\n", b"b\r\n", b"c"]
    assert list(_blocks(whole)) == [(whole, b"a\nb\r\nc")]
    # a line without its newline before the last, or with one inside it,
    # would come back cut differently: those lines are decoded one by one
    for odd in ([b"a", b"b\n"], [b"a\nb\n", b"c\n"]):
        assert list(_blocks(odd)) == [(odd, None)]
    many = [b"%d\n" % num for num in range(5)]
    assert [chunk for chunk, _ in _blocks(many, per_block=2)] == [many[:2], many[2:4], many[4:]]
