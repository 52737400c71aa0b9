# The demo in float16 with dynamic loss scaling (torch GradScaler semantics: start at 65536,
# halve on overflow and skip the step, double after 2000 finite steps).
# An `fp16` section means float16 compute (mmcv semantics); `precision` may override it.
_base_ = "digits_demo.py"
fp16 = dict(loss_scale="dynamic")
