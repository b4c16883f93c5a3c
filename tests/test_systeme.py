"""`solidarite.systeme.lire_octets`: a file over the limit is refused from its size, before it is read."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from solidarite.systeme import lire_octets


class _Refus(Exception):
    pass


def test_a_large_file_is_refused_without_being_read(tmp_path: Path) -> None:
    """A 2 GB instance took 200 MB of memory (its first `max_bytes + 1` bytes) before it was refused. A sparse
    file costs no disk; the peak of memory stays far below the limit."""
    limit = 20_000_000
    source = tmp_path / "enorme.json"
    with source.open("wb") as handle:
        handle.truncate(2_000_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(_Refus, match=re.escape("enorme.json : le fichier dépasse 20 Mo")):
            lire_octets(source, "Instance", _Refus, limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak} octets lus pour refuser le fichier"


def test_a_file_within_the_limit_is_read_whole_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "juste.json"
    source.write_bytes(b"x" * 100)
    assert lire_octets(source, "Instance", _Refus, 100) == b"x" * 100
    with pytest.raises(_Refus, match=re.escape("le fichier dépasse 9.9e-05 Mo")):
        lire_octets(source, "Instance", _Refus, 99)


def test_a_file_whose_size_says_nothing_is_read_up_to_the_limit_only() -> None:
    """The files of /proc give a size of 0: the read itself stops one byte past the limit."""
    source = Path("/proc/self/maps")
    with pytest.raises(_Refus, match="maps : le fichier dépasse"):
        lire_octets(source, "Instance", _Refus, 10)
