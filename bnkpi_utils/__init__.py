"""bnkpi_utils: the computations behind the bnkpi notebook suite.

Every computation lives here so that notebooks stay thin and the logic is unit-tested.
"""

__version__ = "0.1.0"
