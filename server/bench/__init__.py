"""``hallq bench``: a load generator that plays kiosks, windows and call displays against a
real hall server, and checks afterwards that no ticket was lost, doubled or called twice."""
