# Per-parameter rules (mmcv's DefaultOptimizerConstructor): `custom_keys` match substrings of
# parameter names (the longest match wins and overrides the norm/bias/dwconv rules);
# the other parameters get the norm, bias and depthwise-conv multipliers.
# `jaxoptim explain configs/paramwise_custom_keys.py` prints what each parameter gets.
_base_ = "sgd_step_lr.py"
optimizer = dict(
    paramwise_cfg=dict(
        custom_keys={"head": dict(lr_mult=0.1, decay_mult=0.0)},
        norm_decay_mult=0.0,
        bias_lr_mult=2.0,
        bias_decay_mult=0.0,
        dwconv_decay_mult=0.0,
    )
)
