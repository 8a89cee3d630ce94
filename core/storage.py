"""Files written whole or not at all: a temporary file next to the target, renamed over it at the end."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def replacing(target: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes ``target`` when the block ends without an error.

    A reader (or a crash) never sees half a file: on an error the temporary file is removed and
    ``target`` is untouched. ``durable`` forces the bytes to disk before the rename.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
