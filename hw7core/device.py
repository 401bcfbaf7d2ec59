"""Device selection shared by every torch routine (each takes ``device=``)."""

from __future__ import annotations

from hw7core.errors import InputError

__all__ = ["resolve_device"]


def resolve_device(device=None):
    """Return a ``torch.device`` for ``device`` (None/"cpu"/"cuda"/"cuda:N"/torch.device).

    Raises :class:`InputError` with one line when CUDA is asked for but absent.
    """
    import torch

    if device is None:
        return torch.device("cpu")
    if isinstance(device, torch.device):
        dev = device
    else:
        name = str(device).strip().lower()
        if not (name == "cpu" or name == "cuda" or name.startswith("cuda:")):
            raise InputError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
        try:
            dev = torch.device(name)
        except RuntimeError as exc:  # e.g. "cuda:x"
            raise InputError(f"unknown device {device!r}: {exc}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but CUDA is not available on this machine")
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"unsupported device {device!r}: use 'cpu' or 'cuda'")
    return dev


def available_devices() -> list[str]:
    """Devices the tests are parametrised over: always cpu, cuda when present."""
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
