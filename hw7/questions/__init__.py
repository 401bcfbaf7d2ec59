"""Answer-key sections, one module per homework result (auto-discovered).

Each module here has the same name as its twins in ``derivations/`` and
``numerics/`` and registers its sections with :func:`hw7.registry.section`.
"""
