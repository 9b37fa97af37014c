"""Run folders and what a run leaves in them, for `dyngrad train` (dyngrad/train.py).

A run never silently replaces another: a default folder is created new, an --out that
holds a run's files needs --resume or --overwrite (checked in train.parse_args), and
--overwrite removes those files (links themselves, never their targets) before training.
One run at a time uses a folder: run_lock() holds an flock on <folder>/run.lock (the
kernel drops it when its process dies, so a killed run's lock is taken over). metrics.json
is strict JSON, written atomically as every file of a run is. After Ctrl-C, interrupted()
says what is there, and claims a checkpoint only when one is.
"""
import contextlib
import json
import math
import os
from pathlib import Path

try:
    import fcntl
except ImportError:     # no flock (Windows): run folders are not locked
    fcntl = None

import numpy as np

__all__ = ["UsageError", "RUN_FILES", "RunState", "run_files_in", "make_run_folder",
           "remove_previous_run", "run_lock", "LOCK_NAME", "checkpoint_epoch", "interrupted", "write_json",
           "strict_json"]

# Every file a run writes (nn.train's CHECKPOINT_NAME and MODEL_NAME among them): an --out
# holding any of them holds a run, which only --resume or --overwrite may touch.
RUN_FILES = ("metrics.json", "checkpoint.npz", "model.npz", "curves.png", "filters.png",
             "misclassified.png", "confusion.png", "graph.dot", "graph.svg", "graph.png")
LOCK_NAME = "run.lock"


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback."""


class RunState:
    """How far a run got, for a truthful message when it is interrupted."""

    def __init__(self):
        self.folder = None          # the run folder, once it exists
        self.created = False        # made by this run (so an empty one may be removed)
        self.metrics_written = False  # metrics.json records the interrupted run


def run_files_in(folder):
    """The run files (RUN_FILES) already in ``folder``; a symlink counts, never followed."""
    return [name for name in RUN_FILES if os.path.lexists(Path(folder) / name)]


def make_run_folder(args, state):
    """Create the run folder. A default one (runs/<model>-<time>) is always new: when another
    run made that name in the same second, this one gets <name>-2, -3, ..."""
    base, number = args.out, 1
    while True:
        try:
            existed = args.out.exists()
            args.out.mkdir(parents=True, exist_ok=not args.fresh_out)
            state.created = not existed
            break
        except FileExistsError:
            if not args.fresh_out or not args.out.is_dir():
                raise UsageError(f"--out {args.out}: a file is in the way of the run folder")
            number += 1
            args.out = base.with_name(f"{base.name}-{number}")
        except OSError as error:
            raise UsageError(f"--out {args.out}: cannot create the run folder "
                             f"({error.strerror}); pass a folder you can write to")
    state.folder = args.out


def remove_previous_run(folder):
    """--overwrite: remove the run files (RUN_FILES) in ``folder`` (a symlink is removed, not
    what it points to), so the folder never mixes two runs' files; return their names."""
    removed = []
    for name in run_files_in(folder):
        try:
            os.unlink(folder / name)
        except OSError as error:
            raise UsageError(f"--overwrite: cannot remove {folder / name} ({error.strerror})")
        removed.append(name)
    return removed


@contextlib.contextmanager
def run_lock(folder):
    """Hold <folder>/run.lock for the block, so two runs never write one folder.

    The lock is an flock on the file, which holds the owner's pid: a second run is refused
    with a UsageError naming the folder and that pid. The kernel releases the lock of a
    process that dies (kill -9 included), so a lock left behind is taken over; the block
    gets the dead owner's pid (None when there was none). The file is removed at the end.
    """
    path = Path(folder) / LOCK_NAME
    if fcntl is None:
        yield None
        return
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise UsageError(f"--out {folder}: cannot create the lock file {path} "
                             f"({error.strerror})")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _pid_in(fd)
            os.close(fd)
            raise UsageError(f"--out {folder} is in use by another dyngrad train (pid {owner}, "
                             f"which holds {path}); wait for it to finish, or pass another --out")
        try:   # the same file as the path still names (its last holder may have removed it)
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    previous = _pid_in(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield previous
    finally:
        os.unlink(path)     # while locked: nobody else can hold this file now
        os.close(fd)


def _pid_in(fd):
    """The pid a lock file holds, or None."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def interrupted(args, state):
    """What a Ctrl-C left behind, in words: claims a checkpoint only when one is there."""
    from nn.train import CHECKPOINT_NAME

    if state.folder is None:
        return "before training started; nothing was written"
    checkpoint = state.folder / CHECKPOINT_NAME
    if checkpoint.is_file():
        epoch = checkpoint_epoch(checkpoint)
        if epoch is None:
            return f"{checkpoint} exists but can't be read; start again with --overwrite"
        recorded = (f" ({state.folder / 'metrics.json'} records it, \"status\": "
                    "\"interrupted\")" if state.metrics_written else "")
        return (f"{checkpoint} holds epoch {epoch} of {args.epochs}{recorded}; continue with "
                f"the same flags plus --out {state.folder} --resume")
    if state.created and not any(state.folder.iterdir()):
        state.folder.rmdir()
        return (f"before the first checkpoint was written, so there is nothing to resume; "
                f"the empty run folder {state.folder} was removed")
    return (f"before the first checkpoint was written: {state.folder} holds no checkpoint, so "
            "there is nothing to resume; start again")


def checkpoint_epoch(path):
    """The number of epochs a fit() checkpoint holds, or None when it can't be read."""
    import nn

    try:
        return int(nn.load(path)["epoch"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def write_json(path, data):
    """Write ``data`` (metrics.json, a sweep's tables) as strict JSON (json.loads(...,
    parse_constant=...) never sees NaN or Infinity), atomically."""
    from nn.serialization import write_atomic

    write_atomic(path, strict_json(data) + "\n")


def strict_json(obj):
    """JSON text with no NaN/Infinity tokens (Python writes them by default; strict parsers
    and other languages reject them): each non-finite number becomes null, and a top-level
    "non_finite_as_null" entry counts, for each place, the nan, inf and -inf written as null."""
    found = {}

    def clean(value, where):
        if isinstance(value, dict):
            return {key: clean(item, f"{where}.{key}" if where else str(key))
                    for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item, where) for item in value]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            kind = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            counts = found.setdefault(where, {})
            counts[kind] = counts.get(kind, 0) + 1
            return None
        return value

    cleaned = clean(obj, "")
    if found and isinstance(cleaned, dict):
        cleaned["non_finite_as_null"] = {
            "note": "these values were nan or inf, which strict JSON can't hold; each is "
                    "written as null", **found}
    return json.dumps(cleaned, indent=2, allow_nan=False)
