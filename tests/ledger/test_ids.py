"""UUIDv7 ids: layout, order within one clock reading, and the floor a caller gives."""

import uuid

from ledger.ids import now_ns, uuid7, uuid7s


def test_a_series_of_ids_for_one_clock_reading_increases_and_keeps_the_layout():
    ns = now_ns()
    ids = uuid7s(ns, 5)
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    for value in ids:
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert value.int >> 80 == ns // 1_000_000


def test_ids_stay_above_the_floor_and_every_id_made_before_even_when_the_clock_goes_back():
    ns = now_ns()
    floor = uuid.UUID(int=(((ns // 1_000_000) + 10_000) << 80) | 0x7 << 76 | 0b10 << 62)
    first = uuid7(ns)
    series = uuid7s(ns - 1_000_000, 3, after=floor)
    assert first < series[0] < series[1] < series[2]
    assert series[0] > floor
    assert uuid7(ns - 2_000_000) > series[2]
