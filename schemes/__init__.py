"""authlab's authentication schemes: one module each, read through :mod:`schemes.registry`."""
