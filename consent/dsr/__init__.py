"""Data-subject requests: intake, the identity check, the clocks, fulfilment, and the access log."""
