# The demo: DigitsNet on scikit-learn's digits, SGD with momentum, a step lr with linear warmup,
# no weight decay on GroupNorm/LayerNorm parameters. `jaxoptim train configs/digits_demo.py`.
_base_ = [
    "_base_/models/digits_net.py",
    "_base_/datasets/digits.py",
    "_base_/schedules/sgd_step.py",
    "_base_/default_runtime.py",
]
optimizer = dict(paramwise_cfg=dict(norm_decay_mult=0.0))
