# The classic mistake: without `_delete_` the base's `momentum` survives the merge.
_base_ = "_base_/schedule_sgd.py"
optimizer = dict(type="AdamW", lr=1e-4, weight_decay=0.05)
