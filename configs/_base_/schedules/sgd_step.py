# The default schedule: SGD with momentum, a step lr decay and a linear warmup.
optimizer = dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy="step", warmup="linear", warmup_iters=20, warmup_ratio=0.1, step=[8, 11])
runner = dict(type="EpochBasedRunner", max_epochs=12)
