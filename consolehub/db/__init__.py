# Registers an oslo.db exception filter; see the module.
from consolehub.db import exc_filters  # noqa: F401
