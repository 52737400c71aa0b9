runner = dict(type="IterBasedRunner", max_iters=1000)
