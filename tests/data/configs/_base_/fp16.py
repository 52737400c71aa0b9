fp16 = dict(loss_scale=512.0)
