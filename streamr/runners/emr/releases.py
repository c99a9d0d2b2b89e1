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

_NUMBER = re.compile(r"\d+")


def _family(label: str) -> str:
    """What comes before the version: ``emr-`` in ``emr-7.14.0``."""
    match = _NUMBER.search(label)
    return label[:match.start()] if match else label


def _version(label: str) -> tuple:
    return tuple(int(number) for number in _NUMBER.findall(label))


def _distance(wanted: tuple, other: tuple) -> tuple:
    """How far apart two versions are, the major part weighing most."""
    width = max(len(wanted), len(other))
    wanted = wanted + (0,) * (width - len(wanted))
    other = other + (0,) * (width - len(other))
    return tuple(abs(a - b) for a, b in zip(wanted, other))


def nearest_labels(label: str, listed: list, count: int = SUGGESTED) -> list:
    """The *count* labels of *listed* nearest to *label*: those of its own
    family (``emr-``) first, then by how far their versions are from its
    own (the major number first), newer before older at equal distance."""
    wanted = _version(label)
    family = _family(label).lower()

    def key(other: str) -> tuple:
        version = _version(other)
        return (_family(other).lower() != family, _distance(wanted, version),
                tuple(-part for part in version))

    return sorted(set(listed), key=key)[:count]


def check_release_label(label: str | None, listed: list | None, region: str) -> None:
    """Refuse *label* when it is not among the *listed* labels of *region*
    (None: EMR did not say, so nothing is checked)."""
    if not label or listed is None or label in listed:
        return
    nearest = nearest_labels(label, listed)
    hint = ("; the nearest EMR offers are %s" % ", ".join(nearest) if nearest
            else "; EMR lists no releases there")
    raise UsageError("release_label %s is not an EMR release in %s%s" % (label, region, hint))
