# DigitsNet (jaxoptim/demo.py): conv -> depthwise conv -> pointwise conv -> GroupNorm -> pool
# -> LayerNorm -> Dense head. Its parameters are backbone.{conv,dwconv,pwconv,gn,ln}.* and head.*
model = dict(type="DigitsNet", num_classes=10, channels=32, width=64, groups=8)
