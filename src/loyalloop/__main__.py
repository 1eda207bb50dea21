"""``python -m loyalloop`` runs the command line."""

from loyalloop.cli.main import app

app()
