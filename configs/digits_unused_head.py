# DigitsNet with an extra `aux_head` whose output never reaches the loss:
# `jaxoptim unused configs/digits_unused_head.py` lists aux_head.bias and aux_head.kernel.
_base_ = "digits_demo.py"
model = dict(unused_head=True)
