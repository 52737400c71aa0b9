# The demo written as an mmengine (mmcv 2.x / mmdet 3) config: `optim_wrapper`,
# `param_scheduler` and `train_cfg` instead of optimizer / optimizer_config / lr_config / runner.
# It trains exactly as digits_demo.py: mmcv's linear warmup over 20 iterations is
# LinearLR(end=21) (mmcv reaches the full lr at iteration 20, so the window is 21 long).
# `jaxoptim train configs/digits_demo_mmengine.py`.
_base_ = [
    "_base_/models/digits_net.py",
    "_base_/datasets/digits.py",
    "_base_/default_runtime.py",
]
optim_wrapper = dict(
    type="OptimWrapper",  # AmpOptimWrapper (loss_scale, dtype) for float16 / bfloat16
    optimizer=dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(norm_decay_mult=0.0),  # mmengine's rules (DefaultOptimWrapperConstructor)
    clip_grad=None,  # or dict(max_norm=35, norm_type=2), dict(type='value', clip_value=1.0)
    accumulative_counts=1,
)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=21),
    dict(type="MultiStepLR", milestones=[8, 11], gamma=0.1, by_epoch=True),  # end: max_epochs
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=12)
