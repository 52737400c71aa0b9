# The seed's default: SGD with momentum and weight decay, the lr divided by 10 at epochs 8 and 11.
_base_ = [
    "_base_/models/digits_net.py",
    "_base_/datasets/digits.py",
    "_base_/schedules/sgd_step.py",
    "_base_/default_runtime.py",
]
optimizer = dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=0.0001)
lr_config = dict(_delete_=True, policy="step", step=[8, 11])
