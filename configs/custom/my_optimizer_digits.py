# A user-defined optimizer: `custom_imports` imports configs/custom/my_optimizer.py (this
# config's directory is on sys.path during the import), which registers `MyOptimizer`.
_base_ = "../sgd_step_lr.py"
custom_imports = dict(imports=["my_optimizer"], allow_failed_imports=False)
optimizer = dict(_delete_=True, type="MyOptimizer", a=0.9, b=0.999, c=0.0001, lr=0.001)
