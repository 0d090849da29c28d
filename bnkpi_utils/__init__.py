"""bnkpi_utils: the computations behind the bnkpi notebook suite.

Every computation lives here so that notebooks stay thin and the logic is unit-tested.
"""

__version__ = "0.1.0"

# In a worker process that a run is starting, this is the first code of the package to run: die with the runner
from .processes import guard_spawned_worker as _guard_spawned_worker  # noqa: E402

_guard_spawned_worker()
