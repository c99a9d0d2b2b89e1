"""Checking a new cluster's release label against the releases EMR offers
in the region (``ListReleaseLabels``), before the cluster is asked for.

EMR refuses an unknown label only in answer to RunJobFlow, after the run
has uploaded its files, and with a message that does not say which labels
would do. A typo (``emr-7.14``), a release that is not out yet, or one the
region does not have yet all end here instead, in one line that names the
nearest labels EMR does list, by version.
"""

from __future__ import annotations

import re

from streamr.errors import UsageError

__all__ = ["check_release_label", "nearest_labels"]

#: how many labels the message suggests
SUGGESTED = 3
# version numbers compared (emr-6.0.0-beta2 has four)
_WIDTH = 4

_NUMBER = re.compile(r"\d+")


def _family(label: str) -> str:
    """What comes before the version: ``emr-`` in ``emr-7.14.0``."""
    match = _NUMBER.search(label)
    return label[:match.start()] if match else label


def _version(label: str) -> tuple:
    """The numbers of *label*'s version, padded so versions compare
    whatever their length (``emr-7.14`` is ``emr-7.14.0``)."""
    numbers = tuple(int(number) for number in _NUMBER.findall(label))
    return numbers + (0,) * (_WIDTH - len(numbers))


def _distance(wanted: tuple, other: tuple) -> tuple:
    """How far apart two versions are, the major part weighing most."""
    return tuple(abs(a - b) for a, b in zip(wanted, other))


def _window(wanted: tuple, labels: list, count: int) -> list:
    """The *count* of *labels* around version *wanted* in version order,
    taking the nearer of the next older and the next newer each time."""
    ordered = sorted(labels, key=_version)
    cut = sum(1 for label in ordered if _version(label) <= wanted)
    older, newer = ordered[:cut][::-1], ordered[cut:]
    picked: list = []
    while len(picked) < count and (older or newer):
        take_older = bool(older) and (not newer or _distance(wanted, _version(older[0]))
                                      < _distance(wanted, _version(newer[0])))
        picked.append((older if take_older else newer).pop(0))
    return picked


def nearest_labels(label: str, listed: list, count: int = SUGGESTED) -> list:
    """The *count* labels of *listed* nearest to *label*: those of its own
    family (``emr-``) first, each family's labels taken around *label*'s
    version in version order, the nearer side first (newer when equal)."""
    wanted = _version(label)
    family = _family(label).lower()
    labels = set(listed)
    same = [other for other in labels if _family(other).lower() == family]
    others = [other for other in labels if _family(other).lower() != family]
    return (_window(wanted, same, count) + _window(wanted, others, count))[:count]


def check_release_label(label: str | None, listed: list | None, region: str) -> None:
    """Refuse *label* when it is not among the *listed* labels of *region*
    (None: EMR did not say, so nothing is checked)."""
    if not label or listed is None or label in listed:
        return
    nearest = nearest_labels(label, listed)
    hint = ("; the nearest EMR offers are %s" % ", ".join(nearest) if nearest
            else "; EMR lists no releases there")
    raise UsageError("release_label %s is not an EMR release in %s%s" % (label, region, hint))
