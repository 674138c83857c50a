from consent.edge.ratelimit import rate_limit_hit


def test_it_allows_hits_up_to_the_limit_then_says_when_to_come_back():
    answers = [rate_limit_hit(key="t:one", limit=3, window=60) for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert 1 <= answers[3] <= 60


def test_each_key_has_its_own_budget():
    assert rate_limit_hit(key="t:a", limit=1) is None
    assert rate_limit_hit(key="t:a", limit=1) is not None
    assert rate_limit_hit(key="t:b", limit=1) is None
