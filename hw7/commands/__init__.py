"""``hw7`` subcommands, one module each, auto-discovered by :mod:`hw7.cli`."""
