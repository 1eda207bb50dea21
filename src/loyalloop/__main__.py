"""``python -m loyalloop`` runs the command line."""

from loyalloop.cli.main import main

raise SystemExit(main())
