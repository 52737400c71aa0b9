# Clip the global 2-norm of the gradients to 35 (torch's clip_grad_norm_); `_delete_=True`
# replaces whatever `optimizer_config` the base set.
_base_ = "sgd_step_lr.py"
optimizer_config = dict(_delete_=True, grad_clip=dict(max_norm=35, norm_type=2))
