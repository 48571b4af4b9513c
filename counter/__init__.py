"""hallq counter: the clerk's desk app (Kivy), with the caller keypad, the LED window display
and the evaluator. ``model`` is the Kivy-free view-model; ``ui`` holds the screens."""
