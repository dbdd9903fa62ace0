"""``python -m dealresearch.cli``."""

from . import main

raise SystemExit(main())
