# Your own model on your own arrays: `custom_imports` imports configs/custom/my_model.py, which
# registers the nnx module `MyNnxNet` in jaxoptim.MODELS; the data is an .npz with the arrays
# x_train, y_train, x_test, y_test (Keras' mnist.npz layout; uint8 images are scaled to [0, 1]).
# digits8x8.npz is scikit-learn's digits as uint8 [N, 8, 8] (the stratified split of the demo).
# Losses, lr and accuracy also go to TensorBoard event files in <work_dir>/tf_logs
# (pip install 'jaxoptim[tensorboard]'; `tensorboard --logdir work_dirs`).
# `jaxoptim train configs/custom/my_model_npz.py`
import os

_base_ = ["../_base_/schedules/sgd_step.py", "../_base_/default_runtime.py"]
custom_imports = dict(imports=["my_model"], allow_failed_imports=False)
model = dict(type="MyNnxNet", image_size=8, num_classes=10, channels=16, hidden=64, dropout=0.1)
data = dict(
    type="NpzDataset",
    path=os.path.join(os.path.dirname(__file__), "digits8x8.npz"),  # next to this config
    batch_size=64,
)
optimizer = dict(paramwise_cfg=dict(norm_decay_mult=0.0))
log_config = dict(
    interval=10, hooks=[dict(type="TextLoggerHook"), dict(type="TensorboardLoggerHook")]
)
