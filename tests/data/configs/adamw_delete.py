# Switches SGD -> AdamW the right way: `_delete_=True` drops the base's momentum.
_base_ = ["_base_/schedule_sgd.py", "_base_/fp16.py"]
optimizer = dict(_delete_=True, type="AdamW", lr=1e-4, weight_decay=0.05)
optimizer_config = dict(_delete_=True, grad_clip=dict(max_norm=35, norm_type=2))
lr_config = dict(step=[16, 22])
