"""`python -m bot.child COMMAND ARGS…`: run COMMAND so that it ends when the process that started it does.

The launcher starts supervisord this way, and supervisord starts every server this way: on Linux the
kernel sends SIGTERM to the child when its parent dies, even by SIGKILL, so a killed launcher never
leaves servers holding their ports (PR_SET_PDEATHSIG survives the exec). Elsewhere it just runs COMMAND.
"""
import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the launcher's own stop() is all there is
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        sys.exit(1)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bot.child COMMAND [ARGS...]")
    end_with_parent()
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
