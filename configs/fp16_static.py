# float16 compute with a static loss scale of 512 (mmcv's Fp16OptimizerHook default).
_base_ = "sgd_step_lr.py"
fp16 = dict(loss_scale=512.0)
