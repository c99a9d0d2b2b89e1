"""Date aliases in input paths, on fixed dates."""

import datetime
import logging

import pytest

from streamr.date_aliases import expand_date_aliases, has_date_alias, parse_as_of
from streamr.errors import UsageError
from streamr.fs import LocalFilesystem
from streamr.inputs import expand_input_paths

TODAY = datetime.date(2026, 3, 2)  # the day after a February with 28 days


def paths(pattern, today=TODAY, date_format="%Y-%m-%d"):
    return [item.path for item in expand_date_aliases(pattern, today, date_format)]


def test_days_ago_is_one_date_counted_back_from_today():
    assert paths("logs/$[days_ago:0].log") == ["logs/2026-03-02.log"]
    assert paths("logs/$[days_ago:1].log") == ["logs/2026-03-01.log"]
    assert paths("logs/$[days_ago:2].log") == ["logs/2026-02-28.log"]


def test_last_days_are_the_days_before_today_oldest_first():
    assert paths("s3://b/log-$[last_days:3]*") == [
        "s3://b/log-2026-02-27*", "s3://b/log-2026-02-28*", "s3://b/log-2026-03-01*"]


def test_last_days_from_ends_on_the_given_date():
    assert paths("$[last_days_from:2024-01-01:3]") == ["2023-12-30", "2023-12-31", "2024-01-01"]
    assert paths("$[last_days_from:2024-03-01:2]") == ["2024-02-29", "2024-03-01"]  # leap year


def test_date_format_writes_each_date():
    assert paths("logs/$[days_ago:1]/", date_format="%Y/%m/%d") == ["logs/2026/03/01/"]
    assert paths("dt=$[days_ago:1]", date_format="%Y%m%d") == ["dt=20260301"]


def test_each_item_carries_its_dates():
    items = expand_date_aliases("a-$[last_days:2]", TODAY)
    assert [item.dates for item in items] == [(datetime.date(2026, 2, 28),),
                                              (datetime.date(2026, 3, 1),)]
    assert expand_date_aliases("plain/*.txt", TODAY)[0].dates == ()


def test_several_aliases_give_every_combination():
    assert paths("$[days_ago:1]/$[last_days:2]") == [
        "2026-03-01/2026-02-28", "2026-03-01/2026-03-01"]


def test_path_without_alias_is_unchanged():
    assert paths("s3://bucket/logs/*.gz") == ["s3://bucket/logs/*.gz"]
    assert not has_date_alias("s3://bucket/$logs[1]")
    assert has_date_alias("x-$[days_ago:1]")


@pytest.mark.parametrize("pattern, message", [
    ("$[yesterday]", "unknown date alias $[yesterday]; use $[days_ago:N]"),
    ("$[last_days:x]", "must be a whole number, not 'x'"),
    ("$[last_days:0]", "needs N of at least 1"),
    ("$[days_ago:-1]", "must be a whole number, not '-1'"),
    ("$[last_days_from:2026-13-01:3]", "takes DATE as YYYY-MM-DD, not '2026-13-01'"),
    ("$[last_days_from:2026-01-01]", "must be a whole number, not ''"),
    ("$[last_days:99999]", "at most 3660 days"),
])
def test_bad_alias_is_one_line_naming_the_path(pattern, message):
    with pytest.raises(UsageError) as info:
        expand_date_aliases("in/" + pattern, TODAY)
    text = str(info.value)
    assert text.startswith("in/" + pattern + ": ") and message in text
    assert "\n" not in text


def test_as_of_parses_a_date_or_means_today():
    assert parse_as_of("2026-11-20") == datetime.date(2026, 11, 20)
    assert parse_as_of(None) == datetime.date.today()
    with pytest.raises(UsageError, match=r"--as-of takes a date as YYYY-MM-DD, not '20/11/2026'"):
        parse_as_of("20/11/2026")


# --- expansion into files -----------------------------------------------------------------


@pytest.fixture()
def logs(tmp_path):
    for day in ("2026-02-27", "2026-03-01"):
        for part in ("a", "b"):
            (tmp_path / ("log-%s-%s.txt" % (day, part))).write_text(day + part)
    return tmp_path


def test_aliases_inside_globs_find_files_of_each_date(logs):
    files = expand_input_paths([str(logs / "log-$[last_days:3]-*.txt")], LocalFilesystem(),
                               today=TODAY)
    assert [f.rsplit("/", 1)[1] for f in files] == [
        "log-2026-02-27-a.txt", "log-2026-02-27-b.txt",
        "log-2026-03-01-a.txt", "log-2026-03-01-b.txt"]


def test_a_missing_date_is_warned_about(logs, caplog):
    with caplog.at_level(logging.WARNING, logger="streamr"):
        expand_input_paths([str(logs / "log-$[last_days:3]-*.txt")], LocalFilesystem(),
                           today=TODAY)
    assert len(caplog.records) == 1
    assert "no input for" in caplog.text and "2026-02-28" in caplog.text


def test_no_date_matching_stops_with_the_dates_tried(logs):
    pattern = str(logs / "log-$[last_days:2]-*.txt")
    with pytest.raises(UsageError) as info:
        expand_input_paths([pattern], LocalFilesystem(), today=datetime.date(2026, 1, 10))
    text = str(info.value)
    assert text.startswith("input path %s matched nothing on any of the dates tried:"
                           " 2026-01-08, 2026-01-09" % pattern)
    assert "today was taken as 2026-01-10 (--as-of changes it)" in text


def test_no_date_matching_is_skipped_when_checks_are_off(logs):
    pattern = str(logs / "log-$[last_days:2]-*.txt")
    assert expand_input_paths([pattern], LocalFilesystem(), check=False,
                              today=datetime.date(2026, 1, 10)) == []


def test_date_format_applies_in_expansion(tmp_path):
    (tmp_path / "2026" / "03" / "01").mkdir(parents=True)
    (tmp_path / "2026" / "03" / "01" / "events").write_text("x\n")
    files = expand_input_paths([str(tmp_path / "$[days_ago:1]")], LocalFilesystem(),
                               today=TODAY, date_format="%Y/%m/%d")
    assert files == [str(tmp_path / "2026" / "03" / "01" / "events")]
