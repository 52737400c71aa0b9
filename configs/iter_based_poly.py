# An iteration-based run (IterBasedRunner) with a polynomial lr decay counted in iterations and
# checkpoints every 100 iterations.
_base_ = "sgd_step_lr.py"
runner = dict(_delete_=True, type="IterBasedRunner", max_iters=300)
lr_config = dict(_delete_=True, policy="poly", power=0.9, min_lr=0.0001, by_epoch=False)
checkpoint_config = dict(interval=100, by_epoch=False)
