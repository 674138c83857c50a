"""Each process remembers the logs it has seen committed, and only those."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ledger.logs import log_find, log_get_or_create


def test_a_log_seen_committed_is_read_once_per_process(committed):
    created = log_get_or_create("remembered")
    with CaptureQueriesContext(connection) as captured:
        found = [log_find("remembered") for _ in range(3)]
    assert [log.pk for log in found] == [created.pk] * 3
    assert len(captured.captured_queries) == 0


@pytest.mark.django_db
def test_a_log_created_in_a_transaction_that_rolls_back_is_not_remembered():
    def create_then_fail():
        with transaction.atomic():
            log_get_or_create("rolled-back")
            assert log_find("rolled-back") is not None  # seen, uncommitted, by the transaction that made it
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert log_find("rolled-back") is None
