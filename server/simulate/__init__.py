"""``hallq simulate``: a discrete-event simulation of a hall's day on the real queue engine,
its report, and the fewest windows that keep waits under target."""
