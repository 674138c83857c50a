"""The consent ledger: append-only events in a tamper-evident Merkle log per site (never imports consent)."""
