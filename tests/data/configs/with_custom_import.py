# Imports jaxoptim_test_custom_optimizer.py, which sits next to this file.
optimizer = dict(type="JaxoptimTestCustomOptimizer", lr=0.5)
custom_imports = dict(imports=["jaxoptim_test_custom_optimizer"], allow_failed_imports=False)
