log_config = dict(interval=10)  # a log.jsonl line (and a progress-bar refresh) every 10 iterations
checkpoint_config = dict(interval=1, max_keep=3)  # every epoch; keep the 3 newest
seed = 0  # parameter initialisation and each epoch's shuffle (derived from (seed, epoch))
