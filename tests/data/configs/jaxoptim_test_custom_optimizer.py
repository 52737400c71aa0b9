"""A user optimizer module imported by with_custom_import.py through `custom_imports`."""

from jaxoptim.optimizers import SGD
from jaxoptim.registry import OPTIMIZERS


@OPTIMIZERS.register_module(name="JaxoptimTestCustomOptimizer")
def custom_optimizer(lr):
    """Plain SGD under another name."""
    return SGD(lr=lr)
