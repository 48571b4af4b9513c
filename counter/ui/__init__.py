"""The counter's Kivy screens: each a class and a .kv file beside it, bound to the view-model
in ``hallq.counter.model``. Importing this package imports Kivy."""
