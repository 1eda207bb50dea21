"""``python -m loyalloop`` runs the command line."""

from loyalloop.cli.main import entry

raise SystemExit(entry())
