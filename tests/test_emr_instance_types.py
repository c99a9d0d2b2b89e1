"""Tests for streamr.runners.emr.instance_types."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict

import pytest

from streamr.runners.emr import instance_types
from streamr.runners.emr.instance_types import (
    INSTANCE_TYPES,
    InstanceSpec,
    instance_spec,
    unknown_type_message,
)

# (type, vCPUs, memory GiB) as published in EC2's instance specifications
PUBLISHED = [
    ("m5.xlarge", 4, 16),
    ("c5.2xlarge", 8, 16),
    ("r5.4xlarge", 16, 128),
    ("m4.16xlarge", 64, 256),
    ("i3.xlarge", 4, 30.5),
    ("m1.large", 2, 7.5),
    # irregular ones
    ("m4.10xlarge", 40, 160),
    ("c4.xlarge", 4, 7.5),
    ("c4.8xlarge", 36, 60),
    ("c5.9xlarge", 36, 72),
    ("c5.12xlarge", 48, 96),
    ("c5.18xlarge", 72, 144),
    ("r4.xlarge", 4, 30.5),
    ("r4.16xlarge", 64, 488),
    ("i3en.xlarge", 4, 32),
    ("i3en.3xlarge", 12, 96),
    ("d2.xlarge", 4, 30.5),
    ("d2.8xlarge", 36, 244),
    ("d3.8xlarge", 32, 256),
    ("h1.2xlarge", 8, 32),
    ("z1d.xlarge", 4, 32),
    ("g4dn.xlarge", 4, 16),
    ("p3.2xlarge", 8, 61),
    ("m1.xlarge", 4, 15),
    ("m3.xlarge", 4, 15),
    ("m3.2xlarge", 8, 30),
    ("c3.xlarge", 4, 7.5),
    ("r3.xlarge", 4, 30.5),
    # newest families, largest sizes
    ("m6a.48xlarge", 192, 768),
    ("m7a.32xlarge", 128, 512),
    ("m7i.48xlarge", 192, 768),
    ("c6a.48xlarge", 192, 384),
    ("c7g.16xlarge", 64, 128),
    ("r7i.48xlarge", 192, 1536),
]

REQUIRED_FAMILIES = [
    "m4", "m5", "m5a", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6a", "m7g", "m7i", "m7a",
    "c4", "c5", "c5a", "c5d", "c6g", "c6i", "c6a", "c7g", "c7i",
    "r4", "r5", "r5a", "r5d", "r6g", "r6i", "r6a", "r7g", "r7i",
    "i3", "i3en", "d2", "d3", "h1", "z1d", "g4dn", "p3", "m1", "m3", "c3", "r3",
]


@pytest.mark.parametrize(("name", "vcpus", "memory_gib"), PUBLISHED)
def test_published_figures(name, vcpus, memory_gib):
    assert instance_spec(name) == InstanceSpec(vcpus, memory_gib)


@pytest.mark.parametrize(
    "name",
    # sizes EC2 does not have in these families
    ["m7i.32xlarge", "c5.8xlarge", "c5.16xlarge", "r4.12xlarge", "h1.xlarge", "d2.large"],
)
def test_sizes_that_do_not_exist_are_absent(name):
    assert instance_spec(name) is None


def test_every_required_family_is_covered():
    families = {name.split(".")[0] for name in INSTANCE_TYPES}
    assert set(REQUIRED_FAMILIES) <= families


def test_case_and_whitespace_are_ignored():
    assert instance_spec("  M5.XLarge\n") == InstanceSpec(4, 16)
    assert instance_spec("\tR5.4XLARGE ") == InstanceSpec(16, 128)


def test_unknown_type_is_none():
    assert instance_spec("x9.huge") is None
    assert instance_spec("") is None
    assert instance_spec("m5") is None


def test_unknown_type_message_names_the_type():
    message = unknown_type_message("x9.huge")
    assert "'x9.huge'" in message
    assert "memory and CPU" in message
    assert "\n" not in message


def test_instance_spec_is_frozen():
    spec = instance_spec("m5.xlarge")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.vcpus = 8  # type: ignore[misc]


def test_names_are_lower_case_family_dot_size():
    for name in INSTANCE_TYPES:
        assert re.fullmatch(r"[a-z][a-z0-9]*\.(small|medium|large|\d*xlarge)", name), name


def test_every_entry_has_positive_vcpus_and_memory():
    assert INSTANCE_TYPES
    for name, spec in INSTANCE_TYPES.items():
        assert isinstance(spec.vcpus, int) and spec.vcpus > 0, name
        assert isinstance(spec.memory_gib, float) and spec.memory_gib > 0, name


def _size_rank(size):
    """small < medium < large < xlarge < 2xlarge < ... < 48xlarge."""
    named = {"small": 0.125, "medium": 0.25, "large": 0.5}
    if size in named:
        return named[size]
    match = re.fullmatch(r"(\d*)xlarge", size)
    assert match, size
    return int(match.group(1) or 1)


def test_memory_grows_with_size_within_each_family():
    by_family = defaultdict(list)
    for name, spec in INSTANCE_TYPES.items():
        family, size = name.split(".")
        by_family[family].append((_size_rank(size), spec))
    for family, entries in by_family.items():
        entries.sort(key=lambda entry: entry[0])
        memories = [spec.memory_gib for _, spec in entries]
        vcpus = [spec.vcpus for _, spec in entries]
        assert memories == sorted(set(memories)), family  # strictly increasing
        assert vcpus == sorted(vcpus), family


def test_all_names_exist():
    for name in instance_types.__all__:
        assert hasattr(instance_types, name), name
