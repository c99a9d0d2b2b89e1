"""Memory and vCPU count of the EC2 instance types that Amazon EMR offers.

A job may join a pooled cluster only if that cluster's instances give, for
each role (master, core, task), at least the memory and CPU the job asked
for. This table answers "how much is that?" for an instance type name, so
the two can be compared without calling AWS.

The numbers are EC2's published instance specifications: the default vCPU
count and the memory in GiB that Amazon lists for each type (the hardware
specification tables of the EC2 documentation, which agree with what EC2's
DescribeInstanceTypes reports). Sizes EMR does not offer (``medium`` of the
current families, ``metal``) are left out, except the ``m1.small`` and
``m1.medium`` of old EMR releases.

A type that is not in the table is reported, with
:func:`unknown_type_message`, rather than guessed from its name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "INSTANCE_TYPES",
    "InstanceSpec",
    "instance_spec",
    "unknown_type_message",
]


@dataclass(frozen=True)
class InstanceSpec:
    """What one instance of a type gives: vCPUs and memory in GiB."""

    vcpus: int
    memory_gib: float


def _family(
    family: str, gib_per_vcpu: float, sizes: tuple[tuple[str, int], ...]
) -> dict[str, InstanceSpec]:
    """The types of a family whose memory is the same multiple of its vCPUs
    at every size: ``{"<family>.<size>": InstanceSpec(...)}``."""
    return {
        f"{family}.{size}": InstanceSpec(vcpus, float(vcpus * gib_per_vcpu))
        for size, vcpus in sizes
    }


# (size, vCPUs) of the size ranges the families share
_TO_16XL = (
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("12xlarge", 48),
    ("16xlarge", 64),
)
_TO_24XL = (*_TO_16XL, ("24xlarge", 96))
_TO_32XL = (*_TO_24XL, ("32xlarge", 128))
_TO_48XL = (*_TO_32XL, ("48xlarge", 192))
# the 7th-generation Intel families skip 32xlarge
_TO_48XL_NO_32XL = (*_TO_24XL, ("48xlarge", 192))
# c5 and c5d have 9xlarge and 18xlarge in place of 8xlarge and 16xlarge
_C5_SIZES = (
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("9xlarge", 36),
    ("12xlarge", 48),
    ("18xlarge", 72),
    ("24xlarge", 96),
)
# r4, i3: up to 16xlarge, no 12xlarge
_TO_16XL_NO_12XL = (
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("16xlarge", 64),
)
# i3en and z1d have 3xlarge and 6xlarge
_Z1D_SIZES = (
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("3xlarge", 12),
    ("6xlarge", 24),
    ("12xlarge", 48),
)
_I3EN_SIZES = (*_Z1D_SIZES, ("24xlarge", 96))

_REGULAR_FAMILIES: tuple[tuple[str, float, tuple[tuple[str, int], ...]], ...] = (
    # general purpose: 4 GiB per vCPU
    ("m4", 4, (
        ("large", 2),
        ("xlarge", 4),
        ("2xlarge", 8),
        ("4xlarge", 16),
        ("10xlarge", 40),
        ("16xlarge", 64),
    )),
    ("m5", 4, _TO_24XL),
    ("m5a", 4, _TO_24XL),
    ("m5d", 4, _TO_24XL),
    ("m6g", 4, _TO_16XL),
    ("m6gd", 4, _TO_16XL),
    ("m6i", 4, _TO_32XL),
    ("m6id", 4, _TO_32XL),
    ("m6a", 4, _TO_48XL),
    ("m7g", 4, _TO_16XL),
    ("m7i", 4, _TO_48XL_NO_32XL),
    ("m7a", 4, _TO_48XL),
    # compute optimized: 2 GiB per vCPU
    ("c5", 2, _C5_SIZES),
    ("c5d", 2, _C5_SIZES),
    ("c5a", 2, _TO_24XL),
    ("c6g", 2, _TO_16XL),
    ("c6i", 2, _TO_32XL),
    ("c6a", 2, _TO_48XL),
    ("c7g", 2, _TO_16XL),
    ("c7i", 2, _TO_48XL_NO_32XL),
    # memory optimized: 8 GiB per vCPU (r4: 30.5 GiB per 4 vCPUs)
    ("r4", 7.625, _TO_16XL_NO_12XL),
    ("r5", 8, _TO_24XL),
    ("r5a", 8, _TO_24XL),
    ("r5d", 8, _TO_24XL),
    ("r6g", 8, _TO_16XL),
    ("r6i", 8, _TO_32XL),
    ("r6a", 8, _TO_48XL),
    ("r7g", 8, _TO_16XL),
    ("r7i", 8, _TO_48XL_NO_32XL),
    ("z1d", 8, _Z1D_SIZES),
    # storage optimized
    ("i3", 7.625, _TO_16XL_NO_12XL),
    ("i3en", 8, _I3EN_SIZES),
    ("d3", 8, (("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32))),
    ("h1", 4, (("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("16xlarge", 64))),
    # accelerated computing (GPU memory not counted)
    ("g4dn", 4, (
        ("xlarge", 4),
        ("2xlarge", 8),
        ("4xlarge", 16),
        ("8xlarge", 32),
        ("12xlarge", 48),
        ("16xlarge", 64),
    )),
    ("p3", 7.625, (("2xlarge", 8), ("8xlarge", 32), ("16xlarge", 64))),
    # previous generation, as in old EMR documentation
    ("m3", 3.75, (("large", 2), ("xlarge", 4), ("2xlarge", 8))),
    ("c3", 1.875, (
        ("large", 2),
        ("xlarge", 4),
        ("2xlarge", 8),
        ("4xlarge", 16),
        ("8xlarge", 32),
    )),
)

# Families whose memory is not one multiple of the vCPUs at every size.
_IRREGULAR_TYPES: dict[str, InstanceSpec] = {
    # m1: small and medium have 1 vCPU each
    "m1.small": InstanceSpec(1, 1.7),
    "m1.medium": InstanceSpec(1, 3.7),
    "m1.large": InstanceSpec(2, 7.5),
    "m1.xlarge": InstanceSpec(4, 15.0),
    # c4: 3.75 GiB per 2 vCPUs, but 8xlarge has 36 vCPUs and 60 GiB
    "c4.large": InstanceSpec(2, 3.75),
    "c4.xlarge": InstanceSpec(4, 7.5),
    "c4.2xlarge": InstanceSpec(8, 15.0),
    "c4.4xlarge": InstanceSpec(16, 30.0),
    "c4.8xlarge": InstanceSpec(36, 60.0),
    # r3: 30.5 GiB per 4 vCPUs, but large has 15 GiB
    "r3.large": InstanceSpec(2, 15.0),
    "r3.xlarge": InstanceSpec(4, 30.5),
    "r3.2xlarge": InstanceSpec(8, 61.0),
    "r3.4xlarge": InstanceSpec(16, 122.0),
    "r3.8xlarge": InstanceSpec(32, 244.0),
    # d2: 30.5 GiB per 4 vCPUs, but 8xlarge has 36 vCPUs and 244 GiB
    "d2.xlarge": InstanceSpec(4, 30.5),
    "d2.2xlarge": InstanceSpec(8, 61.0),
    "d2.4xlarge": InstanceSpec(16, 122.0),
    "d2.8xlarge": InstanceSpec(36, 244.0),
}


def _build_table() -> dict[str, InstanceSpec]:
    table: dict[str, InstanceSpec] = {}
    for family, gib_per_vcpu, sizes in _REGULAR_FAMILIES:
        table.update(_family(family, gib_per_vcpu, sizes))
    table.update(_IRREGULAR_TYPES)
    return table


#: instance type name (lower case, e.g. ``"m5.xlarge"``) -> its vCPUs and memory
INSTANCE_TYPES: dict[str, InstanceSpec] = _build_table()


def instance_spec(instance_type: str) -> InstanceSpec | None:
    """The vCPUs and memory of *instance_type*, or ``None`` when it is not in
    :data:`INSTANCE_TYPES`. Case and surrounding whitespace are ignored."""
    return INSTANCE_TYPES.get(instance_type.strip().lower())


def unknown_type_message(instance_type: str) -> str:
    """One sentence saying that *instance_type* is not in the table."""
    return (
        f"instance type {instance_type.strip()!r} is not in streamr's table of"
        " EC2 instance types, so its memory and CPU cannot be compared"
    )
