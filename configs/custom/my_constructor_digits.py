# A custom optimizer constructor (configs/custom/my_constructor.py, imported through
# `custom_imports`): layer-wise lr decay from the head (x1) down to the first conv (x0.5**5).
# `jaxoptim explain configs/custom/my_constructor_digits.py` shows each parameter's lr.
_base_ = "../sgd_step_lr.py"
custom_imports = dict(imports=["my_constructor"], allow_failed_imports=False)
optimizer = dict(
    constructor="MyOptimizerConstructor",
    paramwise_cfg=dict(
        layers=[
            "backbone.conv",
            "backbone.dwconv",
            "backbone.pwconv",
            "backbone.gn",
            "backbone.ln",
            "head",
        ],
        decay_rate=0.5,
        norm_decay_mult=0.0,
    ),
)
