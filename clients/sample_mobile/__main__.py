"""``python -m clients.sample_mobile``."""

from clients.sample_mobile.cli import main

raise SystemExit(main())
