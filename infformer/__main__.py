import signal
import sys

from .cli.main import main


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # `kill` (SIGTERM) ends a command as Ctrl-C does: its `finally` blocks clean up


signal.signal(signal.SIGTERM, _interrupted)
sys.exit(main())
