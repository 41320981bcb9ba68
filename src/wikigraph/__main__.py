"""``python -m wikigraph``: the same as the ``wikigraph`` command."""

from __future__ import annotations

from wikigraph.cli import main

raise SystemExit(main())
