"""Map-side grouping hands the combiner and the sorted runs each value as
a trip through the JSON protocol would give it back; lists and tuples of
plain values skip the encoding, and must come back exactly as the trip
gives them."""

import math

import pytest

from streamr.engine.mapside import _protocol_trip
from streamr.protocol import JSONProtocol

VALUES = [
    [1, 2, 3],
    (1, "two", 3.5),
    [],
    (),
    [True, False, None, -0.0, 1e300, 2**80, -(2**70)],
    ["caf\u00e9", "\ud800", "tab\there", "line\nbreak", ""],
    [float("inf"), float("-inf")],
    [1, [2, 3]],
    ({"a": 1}, 2),
    [{"b": [1, 2]}],
    {"k": "v"},
    {1: "int key"},
    [(1, 2)],
    [1.5, 0.1, 1e-320],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_trip_gives_what_the_protocol_gives(value):
    trip = JSONProtocol._loads(JSONProtocol._dumps(value))
    got = _protocol_trip(value)
    assert type(got) is type(trip)
    assert got == trip
    assert JSONProtocol._dumps(got) == JSONProtocol._dumps(trip)


def test_nan_comes_back_as_nan():
    got = _protocol_trip([float("nan"), 1])
    assert type(got) is list and math.isnan(got[0]) and got[1] == 1
    assert JSONProtocol._dumps(got) == b"[NaN, 1]"


def test_a_list_sent_is_a_copy_the_mapper_cannot_change_afterwards():
    sent = [1, 2]
    got = _protocol_trip(sent)
    sent.append(3)
    assert got == [1, 2]


def test_subclasses_of_plain_types_go_through_the_protocol():
    class Count(int):
        pass

    got = _protocol_trip([Count(3)])
    assert got == [3] and type(got[0]) is int
