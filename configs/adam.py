# Any built-in optimizer is one `type` away. The base's SGD keys (momentum) must not leak into
# Adam, so `_delete_=True` replaces the inherited `optimizer` dict instead of merging into it.
_base_ = "sgd_step_lr.py"
optimizer = dict(_delete_=True, type="Adam", lr=0.0003, weight_decay=0.0001)
