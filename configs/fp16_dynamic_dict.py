# float16 compute with dynamic loss scaling configured by GradScaler's own arguments.
_base_ = "sgd_step_lr.py"
fp16 = dict(
    loss_scale=dict(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000)
)
