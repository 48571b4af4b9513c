"""``python -m hallq``: the hallq command without its console script."""

from hallq.cli import main

if __name__ == "__main__":
    main()
