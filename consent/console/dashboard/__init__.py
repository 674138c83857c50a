"""Each site's dashboard: the banner funnel, consent per purpose, propagation and ledger health."""
