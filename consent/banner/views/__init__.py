"""The banner's HTTP views: the script, the public API and the demo page."""
