"""The core layer of hw7-verify: infrastructure below ``derivations/`` and ``numerics/``.

Errors (:mod:`hw7core.errors`), device selection (:mod:`hw7core.device`), atomic
publishing (:mod:`hw7core.atomic`), progress bars (:mod:`hw7core.progress`), figures
(:mod:`hw7core.plotting`) and the native-kernel builder (:mod:`hw7core.native`).
It imports nothing else of the project; everything else may import it.
"""
