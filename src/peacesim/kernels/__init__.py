"""Numba kernels: pure functions over flat arrays and numbers, each with a NumPy twin."""
