runner = dict(type="EpochBasedRunner", max_epochs=12)
