"""jaxoptim."""
