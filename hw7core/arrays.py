"""One validator for arrays that come from the user (files, Python lists, numpy, torch).

Every routine and command that reads user data calls :func:`check_array` first, so each
kind of bad array gets the same one-line :class:`~hw7core.errors.InputError` everywhere:

* complex data (the imaginary part would otherwise be dropped with only a warning);
* object, string, structured or ragged arrays (no numeric value to compute with);
* the wrong number of dimensions, or no entries;
* NaN or ±inf entries (counted, with the first position).

numpy arrays, lists and scalars come back as float64 ``numpy.ndarray`` (booleans and
integers converted exactly, float16/float32 widened); torch tensors come back unchanged
(same dtype and device) after the same checks — a torch routine chooses its own dtype.

Example:

>>> check_array([[1, 2], [3, 4]], "X", ndim=2).dtype
dtype('float64')
>>> check_array([[1 + 1j]], "X")
Traceback (most recent call last):
...
hw7core.errors.InputError: X is complex (complex128): only real data is supported
"""

from __future__ import annotations

import sys

import numpy as np

from hw7core.errors import InputError

__all__ = ["check_array", "check_size"]

_KIND_NAMES = {"O": "an object array", "U": "a string array", "S": "a bytes array",
               "V": "a structured array", "M": "a datetime array", "m": "a timedelta array"}


def _dims(ndim, min_ndim, shape, name: str) -> None:
    nd = len(shape)
    if ndim is not None and nd != ndim:
        raise InputError(f"{name} must be a {ndim}-D array, got {nd}-D (shape {tuple(shape)})")
    if min_ndim is not None and nd < min_ndim:
        raise InputError(f"{name} must have at least {min_ndim} dimensions, got {nd}-D "
                         f"(shape {tuple(shape)})")


def _nonfinite(name: str, bad_mask, size: int) -> None:
    bad = int(bad_mask.sum())
    if bad:
        first = tuple(int(i) for i in np.argwhere(np.asarray(bad_mask))[0])
        raise InputError(f"{name} has {bad} non-finite entr{'y' if bad == 1 else 'ies'} "
                         f"(NaN or ±inf; first at index {first})")


def check_array(x, name: str = "X", *, ndim: int | None = None, min_ndim: int | None = None,
                allow_empty: bool = False, finite: bool = True):
    """Validate a user array; return it as float64 numpy (or the torch tensor unchanged).

    Parameters: ``name`` is used in the message; ``ndim`` (exact) / ``min_ndim`` (at
    least) constrain the dimensions; ``allow_empty`` admits zero entries; ``finite=False``
    skips the NaN/inf scan (for callers that detect it on their result).

    Raises :class:`InputError` (one line naming ``name`` and the problem) for complex,
    object/string/structured/ragged data, non-floating torch tensors, wrong dimensions,
    emptiness and non-finite entries.
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        if x.is_complex():
            raise InputError(f"{name} is complex ({str(x.dtype).replace('torch.', '')}): "
                             "only real data is supported")
        if not x.is_floating_point():
            raise InputError(f"{name} must be floating point; got {x.dtype}")
        _dims(ndim, min_ndim, x.shape, name)
        if not allow_empty and x.numel() == 0:
            raise InputError(f"{name} is empty (shape {tuple(x.shape)})")
        if finite and x.numel():
            lo, hi = torch.aminmax(x.detach())
            if not bool(torch.isfinite(lo) & torch.isfinite(hi)):
                _nonfinite(name, (~torch.isfinite(x.detach())).cpu().numpy(), x.numel())
        return x
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):   # ragged nesting, unconvertible objects
        raise InputError(f"{name} must be a numeric array (ragged rows or non-numeric "
                         "entries)") from None
    kind = a.dtype.kind
    if kind == "c":
        raise InputError(f"{name} is complex ({a.dtype}): only real data is supported")
    if kind in _KIND_NAMES:
        raise InputError(f"{name} is {_KIND_NAMES[kind]} (dtype {a.dtype}), not numbers")
    if kind not in "biuf":
        raise InputError(f"{name} has unsupported dtype {a.dtype}")
    _dims(ndim, min_ndim, a.shape, name)
    if not allow_empty and a.size == 0:
        raise InputError(f"{name} is empty (shape {a.shape})")
    with np.errstate(over="ignore"):
        out = a.astype(np.float64, copy=False)   # longdouble beyond float64 becomes ±inf
    if finite:
        fin = np.isfinite(out)
        if not fin.all():
            _nonfinite(name, ~fin, out.size)
    return out


def check_size(name: str, value, *, allow_none: bool = False) -> int | None:
    """A size argument (chunk, threads, samples): a Python/numpy integer ≥ 1 (not a bool
    or float), or None where ``allow_none``; else a one-line InputError naming it.

    >>> check_size("chunk", 256)
    256
    >>> check_size("chunk", 0)
    Traceback (most recent call last):
    ...
    hw7core.errors.InputError: chunk must be ≥ 1, got 0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be an integer ≥ 1, got {value!r}")
    if int(value) < 1:
        raise InputError(f"{name} must be ≥ 1, got {int(value)}")
    return int(value)
