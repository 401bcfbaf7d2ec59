"""Figures for the answer key and `hw7 train`: one backend, one layout, one resolution.

Every figure is drawn off-screen (Agg: nothing here ever shows a window) and saved to a
path the caller chose (inside the answer key's staging folder, or `hw7 train`'s).
"""

from __future__ import annotations

DPI = 110


def subplots(*args, **kwargs):
    """``matplotlib.pyplot.subplots`` on the Agg backend: (fig, axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig, path) -> None:
    """Lay out, save at :data:`DPI` and close ``fig`` (closed even if saving fails)."""
    import matplotlib.pyplot as plt

    try:
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
