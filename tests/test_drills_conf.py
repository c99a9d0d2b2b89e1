"""Config files that crashed streamr (issue 19, items 3 and 13), as a
fuzzer with a fixed seed makes them: control characters, ``.inf`` and
``.nan`` for numbers, explicit YAML tags, huge and negative whole numbers,
and ``include:`` of a FIFO, a device or a huge file. Each ends in one line
and exit status 2, in ``streamr conf check`` and in a job run alike."""

import os
import random

import pytest

from streamr.conf import check_conf_file
from tests.support.jobs import EXAMPLES, run_job

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
SEED = 19

GOOD = "runners:\n  local:\n    num_cores: 2\n    label: drill\n  inline:\n    cmdenv:\n" \
       "      TZ: UTC\n"

BAD_NUMBERS = [".inf", "-.inf", ".nan", ".NaN", "!!float inf", "1e999", "-3", "0",
               "99999999999999999999999999", "!!int 99999999999999999999", "-1e308"]
BAD_TAGS = ["!!python/object/apply:os.system ['true']", "!!python/name:os.system",
            "!!binary xyz", "!!int abc", "!!float abc", "!!timestamp 2001-13-45",
            "!!bool maybe", "!!set {a, b}", "!!omap [a, b]", "!!float [1]", "!nonsense x",
            "!!map [1, 2]", "!!seq {a: 1}", "!clear !!int x"]


def fuzzed_files(count=60):
    """*count* config files, each the good one with one fault put in."""
    rng = random.Random(SEED)
    files = []
    for num in range(count):
        text = GOOD
        fault = num % 3
        if fault == 0:  # a control character somewhere
            pos = rng.randrange(len(text))
            controls = [c for c in range(32) if c not in (9, 10, 13)] + [0x7f, 0x86]
            char = chr(rng.choice(controls))
            text = text[:pos] + char + text[pos:]
        elif fault == 1:
            text = text.replace("num_cores: 2", "num_cores: %s" % rng.choice(BAD_NUMBERS))
        else:
            text = text.replace("label: drill", "label: %s" % rng.choice(BAD_TAGS))
        files.append(text)
    return files


@pytest.fixture()
def conf_file(tmp_path):
    def write(text, name="fuzz.conf"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def test_fuzzed_config_files_each_end_in_one_line_in_conf_check(conf_file):
    from tests.support.emr import streamr

    for text in fuzzed_files():
        path = conf_file(text)
        result = streamr("conf", "check", path)
        problems = check_conf_file(path)
        # every file has a fault: each is found, and said in lines, never a traceback
        assert result.exit_code == 2, (text, result.output)
        assert "Traceback" not in result.output
        assert any(p.level == "error" for p in problems), text


@pytest.mark.parametrize("value", [".inf", ".nan", "-3", "99999999999999999999999999"])
def test_bad_numbers_are_refused_by_conf_check(conf_file, value):
    from tests.support.emr import streamr

    path = conf_file(GOOD.replace("num_cores: 2", "num_cores: %s" % value))
    result = streamr("conf", "check", path)
    assert result.exit_code == 2, result.output
    assert "num_cores must be" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["control", "inf", "nan", "tag", "huge", "negative",
                                   "reduces", "dev_zero", "fifo", "huge_file"])
def test_a_job_run_with_a_bad_config_file_is_one_line(conf_file, tmp_path, fault):
    text = {
        "control": GOOD.replace("label: drill", "label: dr\x01ill"),
        "inf": GOOD.replace("num_cores: 2", "num_cores: .inf"),
        "nan": GOOD.replace("num_cores: 2", "num_cores: .nan"),
        "tag": GOOD.replace("label: drill", "label: !!python/object/apply:os.system ['true']"),
        "huge": GOOD.replace("num_cores: 2", "num_cores: 99999999999999999999999999"),
        "negative": GOOD.replace("num_cores: 2", "num_cores: -3"),
        "reduces": GOOD.replace("label: drill", "jobconf: {mapreduce.job.reduces: -1}"),
        "dev_zero": "include: /dev/zero\n",
        "fifo": "include: %s\n" % (tmp_path / "fifo"),
        "huge_file": "include: %s\n" % (tmp_path / "huge.conf"),
    }[fault]
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "huge.conf").write_bytes(b"# padding\n" * 200_000)
    path = conf_file(text)
    (tmp_path / "in.txt").write_bytes(b"a b a\n")
    proc = run_job(WORD_COUNT, "-r", "local", "-c", path, tmp_path / "in.txt", timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert proc.stdout == b""


@pytest.mark.parametrize("switches", [["--num-cores=-3"], ["-D", "mapreduce.job.reduces=-2"],
                                      ["--num-cores", "inf"]])
def test_negative_counts_on_the_command_line_are_refused(switches):
    from examples.mr_word_freq_count import MRWordFreqCount
    from streamr.errors import UsageError

    job = MRWordFreqCount(["-r", "local", "--no-conf", *switches])
    with pytest.raises(UsageError, match="must be"), job.make_runner():
        pass


def test_conf_show_masks_cmdenv_values_whose_names_look_secret(conf_file):
    from tests.support.emr import streamr

    path = conf_file("runners:\n  local:\n    cmdenv:\n      DB_PASSWORD: hunter2\n"
                     "      TZ: UTC\n")
    result = streamr("conf", "show", "-c", path, "-r", "local", "--cmdenv",
                     "API_TOKEN=tok-123", "--cmdenv", "aws_secret_key=abc")
    assert result.exit_code == 0, result.output
    for secret in ("hunter2", "tok-123", "abc"):
        assert secret not in result.output
    assert "DB_PASSWORD: '********'" in result.output
    assert "API_TOKEN: '********'" in result.output
    assert "TZ: UTC" in result.output
