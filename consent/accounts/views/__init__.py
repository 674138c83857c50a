"""Account settings' views: the two public endpoints the banner calls, and the hosted account pages."""
