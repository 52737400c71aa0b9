# One cycle of a cyclic lr (up to 10x the base lr over the first 40% of training, then down to
# 1e-4x) with the momentum cycling the other way (0.85 at the lr's peak, back to 0.95).
# Cyclic policies count iterations (by_epoch=False), over the runner's whole length.
_base_ = "sgd_step_lr.py"
optimizer = dict(lr=0.01, momentum=0.95)
# `_delete_=True`: the base's step-policy keys (step, ...) mean nothing to the cyclic policy.
lr_config = dict(
    _delete_=True,
    policy="cyclic",
    target_ratio=(10, 1e-4),
    cyclic_times=1,
    step_ratio_up=0.4,
)
momentum_config = dict(
    policy="cyclic",
    target_ratio=(0.85 / 0.95, 1),
    cyclic_times=1,
    step_ratio_up=0.4,
)
