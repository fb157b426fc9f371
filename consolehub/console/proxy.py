"""The console proxy's former module name, kept for old imports.

The proxy now lives in :mod:`consolehub.console.service` and the modules
beside it; import from there.
"""

from consolehub.console.service import ConsoleProxy  # noqa: F401
from consolehub.console.service import main_loop  # noqa: F401
from consolehub.console.service import run_in_thread  # noqa: F401
