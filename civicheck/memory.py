"""Keeping memory bounded: memory a run frees goes back to the system (glibc would keep the large buffers of
a run, 25 MB page bodies and their text, in its heaps), and a worker can be capped.
"""

from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter (malloc.h)
LARGE = 1 << 20  # bytes: buffers from this size are mapped on their own and unmapped when freed


def return_freed_memory() -> bool:
    """Have glibc map every allocation of LARGE bytes or more on its own. By default the threshold rises to
    the largest block freed so far (up to 32 MB), after which page bodies come from heaps that are never
    given back: 40 pages of 24 MB held 1 GB instead of 0.5 GB. Elsewhere (musl, macOS, Windows) a no-op;
    returns whether the setting took."""
    try:
        # The running program with the C library it is linked with. Not ctypes.util.find_library("c"), which
        # runs `ldconfig -p` in a new process on Linux: 15 ms of every start (the command's, each worker's).
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, LARGE))
    except (OSError, AttributeError, TypeError):  # not glibc: no mallopt, or a C library needing no such help
        return False


def limit_address_space(limit: int) -> bool:
    """Cap this process's address space at `limit` bytes: an allocation past it raises MemoryError instead of
    taking the machine's memory (a 390 kB PDF decompressing to 800 MB). Unix only; returns whether it took."""
    try:
        import resource
    except ImportError:  # Windows
        return False
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(
            resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
        )
    except (OSError, ValueError):
        return False
    return True
