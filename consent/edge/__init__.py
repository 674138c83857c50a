"""The HTTP edge: the error shape, the flattener, client address, admission and the rate limiter.

Every public endpoint, the marketer API and the hosted pages go through these modules; none
re-implements them. errors: the one error shape and flattener. address: the client address behind
trusted proxies. ratelimit: the one fixed-window limiter. admission: the guard of public writes.
middleware: JSON for every /api/ answer, 503 for a database outage. accesslog: gunicorn's log.
"""
