"""Output folders that may hold the user's own files: replace only what the toolkit wrote.

A command that writes a folder (``hw7 answers --out DIR``, ``hw7 train … --out DIR``) goes
through :class:`OutputDir`::

    with OutputDir(target, "answers", force=False) as out:
        ...write the new outputs under out.stage...
    # on success they are published into target; on any error target is untouched

Rules (issue 11, "No data lost"):

* The files a command wrote are recorded, with their SHA-256, in a manifest beside them,
  ``DIR/.hw7-<command>-manifest.json``. A later run of the same command replaces or deletes
  only files listed there whose content is still what it wrote; everything else in the
  folder (a ``thesis.tex``, a ``notes/`` folder, a file the user edited after the run) is
  never replaced, moved or deleted.
* A non-empty folder that is not an earlier output of the same command (no manifest of that
  command, and not recognised by ``legacy`` as an output written before manifests existed)
  is refused with one line and nothing touched, unless ``force=True`` (the CLI's
  ``--force``): that only allows *adding* the command's files beside the user's; a file
  the command did not write that sits where an output must go is still an error (one line,
  nothing touched).
* The filesystem root, the home folder and any folder that holds the home folder are
  refused outright, ``force`` or not.
* Publishing: the outputs are built in a staging folder inside the target
  (``DIR/.hw7-stage-<command>-<pid>-…/`` with a ``.hw7-stage.json`` marker naming the
  process), so a failed or killed run leaves the previous outputs untouched. On success each
  file is renamed into place (each rename atomic), stale outputs of the previous run are
  deleted, and the manifest is rewritten; before the first rename the manifest records both
  the old and the new hashes (a journal), so a run killed while publishing (a few
  milliseconds) still leaves every file recognisable as the command's own. A later run
  deletes stale staging folders of the same command whose process is gone (same host;
  recognised by name, owner and marker) — never anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from hw7core.atomic import write_text_atomic
from hw7core.errors import InputError

__all__ = ["OutputDir", "OutputRefused", "manifest_name", "file_sha256"]

FORMAT = "hw7-verify outputs 1"
STAGE_MARKER = ".hw7-stage.json"


class OutputRefused(InputError):
    """The output folder cannot be used as asked; one line (the CLI exits 2)."""


def manifest_name(command: str) -> str:
    """``.hw7-<command>-manifest.json``: the record of what ``command`` wrote in a folder."""
    return f".hw7-{command}-manifest.json"


def _stage_prefix(command: str) -> str:
    return f".hw7-stage-{command}-"


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _homes() -> set[str]:
    homes = {os.path.expanduser("~")}
    with contextlib.suppress(KeyError, OSError):
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    return {os.path.realpath(h) for h in homes if h and h != "~"}


def _forbidden_reason(target: Path) -> str | None:
    real = os.path.realpath(target)
    if real == os.path.sep or os.path.dirname(real) == real:
        return f"refusing to write into {target}: it is the filesystem root"
    for home in _homes():
        if real == home:
            return f"refusing to write into {target}: it is your home folder"
        if home.startswith(real.rstrip(os.sep) + os.sep):
            return f"refusing to write into {target}: it holds your home folder"
    return None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _is_plain_file(p: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:
        return False


def _names(entries: Iterable[str], limit: int = 4) -> str:
    entries = sorted(entries)
    shown = ", ".join(entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


class OutputDir:
    """Context manager publishing a command's outputs into ``target`` (see the module doc).

    target: the output folder (created if missing; its parents too).
    command: the command's name (``"answers"``, ``"train"``); it names the manifest.
    force: allow adding outputs to a non-empty folder that is not an earlier output of
        ``command`` (still never replacing or deleting a file the command did not write).
    legacy: ``legacy(target) -> set of relative paths | None``: recognises an output of
        ``command`` written before manifests existed (those files count as its own).
    expected: relative paths the command will certainly write (checked up front, so a
        clash is refused before any work).

    Inside the block: ``stage`` (write the complete new output there), ``previous`` (the
    command's own files now in ``target``: relative path → SHA-256) and
    :meth:`previous_path`. Raises :class:`OutputRefused` (one line) when refused.

    Two runs into one folder publish in turn, under an exclusive lock on the folder. A
    command whose output is built from the previous one (``hw7 answers --only`` merges into
    the key there) sets ``before_publish``: it is called, under that lock, with ``previous``
    re-read from the folder as it is *now*, just before the stage is published, so it can
    redo its merge over whatever another run published meanwhile (or raise
    :class:`OutputRefused`); the stage is walked after it returns.
    """

    def __init__(self, target: str | os.PathLike, command: str, *, force: bool = False,
                 legacy: Callable[[Path], set[str] | None] | None = None,
                 expected: Iterable[str] = (), tool: str = "") -> None:
        self.target = Path(os.path.abspath(os.fspath(target)))
        self.command = command
        self.force = force
        self.legacy = legacy
        self.expected = tuple(expected)
        self.tool = tool
        self.previous: dict[str, str] = {}
        self._owned_dirs: set[str] = set()
        self._created: list[Path] = []
        self.stage: Path | None = None
        self.before_publish: Callable[[OutputDir], None] | None = None

    # ------------------------------------------------------------------ inspection
    @property
    def manifest(self) -> Path:
        return self.target / manifest_name(self.command)

    def previous_path(self, rel: str) -> Path | None:
        """``target/rel`` if it is one of the command's own, unchanged files, else None."""
        return self.target / rel if rel in self.previous else None

    def _read_manifest(self) -> dict | None:
        if not _is_plain_file(self.manifest):
            return None
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (not isinstance(data, dict) or data.get("format") != FORMAT
                or data.get("command") != self.command or not isinstance(data.get("files"), dict)):
            return None
        return data

    def _own_files(self) -> tuple[bool, dict[str, str]]:
        """(is an earlier output of this command, its own unchanged files → SHA-256)."""
        data = self._read_manifest()
        own: dict[str, str] = {}
        if data is not None:
            for rel, shas in data["files"].items():
                p = self.target / rel
                if isinstance(shas, str):
                    shas = [shas]
                if _safe_rel(rel) and self._inside(p) and _is_plain_file(p):
                    sha = file_sha256(p)
                    if sha in shas:
                        own[rel] = sha
            self._owned_dirs = {d for d in data.get("dirs", []) if isinstance(d, str)
                                and _safe_rel(d)}
            return True, own
        if self.legacy is not None:
            rels = self.legacy(self.target)
            if rels is not None:
                for rel in rels:
                    p = self.target / rel
                    if _safe_rel(rel) and self._inside(p) and _is_plain_file(p):
                        own[rel] = file_sha256(p)
                self._owned_dirs = {str(Path(r).parent) for r in own if "/" in r}
                return True, own
        return False, own

    def _inside(self, p: Path) -> bool:
        """No component between target and ``p`` is a symbolic link (nothing leaves target)."""
        q = self.target
        for part in p.relative_to(self.target).parts:
            q = q / part
            if os.path.islink(q):
                return False
        return True

    def _stale_stages(self) -> list[Path]:
        out = []
        prefix = _stage_prefix(self.command)
        host = socket.gethostname()
        for entry in os.scandir(self.target):
            if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            if st.st_uid != os.geteuid():
                continue
            path = Path(entry.path)
            marker = path / STAGE_MARKER
            try:
                info = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # killed between creating the folder and writing its marker: only if empty
                if not any(os.scandir(path)) and time.time() - st.st_mtime > 60:
                    out.append(path)
                continue
            if (isinstance(info, dict) and info.get("format") == FORMAT
                    and info.get("command") == self.command and info.get("host") == host
                    and isinstance(info.get("pid"), int) and not _pid_alive(info["pid"])):
                out.append(path)
        return out

    def _is_ours_meta(self, name: str) -> bool:
        return name == manifest_name(self.command) or name.startswith(_stage_prefix(self.command))

    # ------------------------------------------------------------------ enter / exit
    def __enter__(self) -> OutputDir:
        t = self.target
        reason = _forbidden_reason(t)
        if reason:
            raise OutputRefused(reason)
        if os.path.lexists(t) and not t.is_dir():
            raise OutputRefused(f"cannot write to {t}: it exists and is not a directory")
        if t.is_dir():
            try:
                entries = os.listdir(t)
            except OSError as exc:
                raise OutputRefused(f"cannot write to {t}: {exc.strerror or exc}") from None
            if os.path.lexists(self.manifest) and self._read_manifest() is None:
                raise OutputRefused(f"{self.manifest} was not written by 'hw7 {self.command}'; "
                                    f"move it away (it is never replaced)")
            earlier, self.previous = self._own_files()
            foreign = [n for n in entries if not self._is_ours_meta(n)
                       and n not in self.previous and n not in self._owned_dirs]
            if not earlier and foreign and not self.force:
                raise OutputRefused(
                    f"{t} is not empty and is not an earlier output of 'hw7 {self.command}' "
                    f"(it holds {_names(foreign)}); choose a new or empty folder, or pass "
                    f"--force to add the outputs beside those files (which are never "
                    f"replaced or deleted)")
            for rel in self.expected:
                self._check_clash(rel)
            for stale in self._stale_stages():
                shutil.rmtree(stale, ignore_errors=True)
        else:
            missing = []
            p = t
            while not os.path.lexists(p) and p != p.parent:
                missing.append(p)
                p = p.parent
            try:
                for q in reversed(missing):
                    os.mkdir(q)
                    self._created.append(q)
            except OSError as exc:
                self._remove_created()
                raise OutputRefused(f"cannot write to {t}: {exc.strerror or exc}") from None
        try:
            self.stage = Path(tempfile.mkdtemp(prefix=f"{_stage_prefix(self.command)}"
                                               f"{os.getpid()}-", dir=t))
            (self.stage / STAGE_MARKER).write_text(json.dumps({
                "format": FORMAT, "command": self.command, "pid": os.getpid(),
                "host": socket.gethostname(), "started": time.time()}), encoding="utf-8")
        except OSError as exc:
            if self.stage is not None:
                shutil.rmtree(self.stage, ignore_errors=True)
            self._remove_created()
            raise OutputRefused(f"cannot write to {t}: {exc.strerror or exc}") from None
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                with _locked(self.target):   # two runs into one folder publish in turn
                    self._publish()
            except BaseException:
                self._discard()
                raise
            return False
        self._discard()
        return False

    def _discard(self) -> None:
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
        self._remove_created()

    def _remove_created(self) -> None:
        for q in reversed(self._created):   # only folders this run made, and only if empty
            with contextlib.suppress(OSError):
                os.rmdir(q)

    # ------------------------------------------------------------------ publishing
    def _check_clash(self, rel: str) -> None:
        """Refuse (nothing touched) if writing ``rel`` would replace what is not ours."""
        q = self.target
        parts = Path(rel).parts
        for i, part in enumerate(parts):
            q = q / part
            last = i == len(parts) - 1
            if not os.path.lexists(q):
                return
            if os.path.islink(q):
                raise OutputRefused(f"{q} is a symbolic link that 'hw7 {self.command}' did not "
                                    f"write; move it away (it is never replaced)")
            if not last and not q.is_dir():
                raise OutputRefused(f"{q} exists and is not a folder; move it away "
                                    f"('hw7 {self.command}' needs {rel} there)")
            if last and rel not in self.previous:
                what = "was changed after" if rel in self._listed() else "was not written by"
                raise OutputRefused(f"{q} exists and {what} 'hw7 {self.command}'; move it away "
                                    f"(it is never replaced)")

    def _listed(self) -> set[str]:
        data = self._read_manifest()
        return set(data["files"]) if data else set()

    def _write_manifest(self, files: dict[str, list[str]], dirs: set[str], state: str) -> None:
        write_text_atomic(self.manifest, json.dumps({
            "format": FORMAT, "command": self.command, "tool": self.tool, "state": state,
            "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": dict(sorted(files.items())), "dirs": sorted(dirs),
        }, indent=1) + "\n")

    def _publish(self) -> None:
        stage, t = self.stage, self.target
        # re-read what is ours now (another run may have published while this one built)
        _, self.previous = self._own_files() if t.is_dir() else (False, {})
        if self.before_publish is not None:
            self.before_publish(self)
        new: dict[str, str] = {}
        for root, dirs, files in os.walk(stage):
            for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                p = Path(root) / name
                rel = p.relative_to(stage).as_posix()
                if rel == STAGE_MARKER:
                    continue
                if not _is_plain_file(p):
                    raise OutputRefused(f"internal: {rel} in the staging folder is not a file")
                new[rel] = file_sha256(p)
        for rel in new:
            self._check_clash(rel)
        stale = [rel for rel in self.previous if rel not in new]
        journal = {rel: [sha] for rel, sha in self.previous.items()}
        for rel, sha in new.items():
            journal.setdefault(rel, [])
            if sha not in journal[rel]:
                journal[rel].append(sha)
        dirs = set(self._owned_dirs)
        needed = {p.as_posix() for rel in new for p in Path(rel).parents if p != Path(".")}
        self._write_manifest(journal, dirs | needed, "publishing")
        for rel in sorted(new, key=lambda r: (r.count("/"), r)):
            dest = t / rel
            for parent in sorted(Path(rel).parents, key=lambda p: len(p.parts))[1:]:
                d = t / parent
                if not os.path.lexists(d):
                    os.mkdir(d)
                    dirs.add(parent.as_posix())
            os.replace(stage / rel, dest)
        for rel in stale:
            p = t / rel
            if _is_plain_file(p) and file_sha256(p) == self.previous[rel]:
                p.unlink()
        keep_dirs = set()
        for d in sorted(dirs, key=lambda s: -s.count("/")):
            if d in needed:
                keep_dirs.add(d)
                continue
            with contextlib.suppress(OSError):
                os.rmdir(t / d)          # only if empty: a user's file inside keeps it
            if os.path.isdir(t / d):
                keep_dirs.add(d)
        self._write_manifest({rel: [sha] for rel, sha in new.items()},
                             keep_dirs & (needed | dirs), "complete")
        shutil.rmtree(stage, ignore_errors=True)
        self.previous = dict(new)


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive advisory lock on the folder itself (no lock file left behind)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _safe_rel(rel: str) -> bool:
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and "\\" not in rel
