# scikit-learn's digits (1797 8x8 images, shipped with scikit-learn): a stratified split.
data = dict(type="digits", batch_size=64, test_size=0.25, seed=0)
