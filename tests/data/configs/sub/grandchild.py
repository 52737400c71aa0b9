# Nested inheritance from a parent directory, plus values that exercise the renderer.
import math

_base_ = ["../adamw_delete.py"]
_scratch = 3  # private: not a key


def helper():  # functions are not keys
    return 1


fp16 = dict(loss_scale="dynamic")
optimizer = dict(
    paramwise_cfg=dict(
        custom_keys={"backbone.stem": dict(lr_mult=0.1), "head": dict(decay_mult=0.0)}
    )
)
param_scheduler = [dict(type="LinearLR", start_factor=0.001, end=500), dict(type="MultiStepLR")]
betas_hint = (0.9, 0.999)
pi = math.pi
max_norm = float("inf")
