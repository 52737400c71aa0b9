"""A user optimizer registered from a config through ``custom_imports``.

``configs/custom/my_optimizer_digits.py`` says ``custom_imports = dict(imports=['my_optimizer'])``;
the config loader puts the config's directory on ``sys.path`` while importing, so this module
is found and its ``register_module`` call runs before the optimizer is built.
"""

import optax

from jaxoptim import OPTIMIZERS


@OPTIMIZERS.register_module()
def MyOptimizer(a: float, b: float, c: float, lr: float = 0.001) -> optax.GradientTransformation:  # noqa: N802 - registry name
    """Adam moments with decoupled weight decay (AdamW), built from optax pieces.

    Args:
      a: decay rate of the first moment (Adam's beta1).
      b: decay rate of the second moment (Adam's beta2).
      c: decoupled weight decay, applied as ``lr * c * param``.
      lr: learning rate; ``make_optimizer`` keeps it live so ``lr_config`` drives it.

    Returns:
      The optax transformation.
    """
    return optax.chain(
        optax.scale_by_adam(b1=a, b2=b),
        optax.add_decayed_weights(c),
        optax.scale_by_learning_rate(lr),
    )
