# mmaction2 1.x configs/_base_/schedules/sgd_tsm_50e.py (the schedule of tsm_r50 configs).
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")

param_scheduler = [
    dict(type="MultiStepLR", begin=0, end=50, by_epoch=True, milestones=[20, 40], gamma=0.1)
]

optim_wrapper = dict(
    constructor="TSMOptimWrapperConstructor",
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=20, norm_type=2),
)
