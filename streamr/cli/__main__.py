"""``python -m streamr.cli``: the ``streamr`` command without its script."""

from streamr.cli import main

main()
