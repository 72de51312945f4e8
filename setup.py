"""The optional C extension; everything else about the package is in pyproject.toml.

``vial._speedups`` is the compiled form of the urlencoded decoder. Where it
cannot be built (no compiler, another Python implementation), the install
goes on and vial uses the pure-Python version of the same code.
"""

import platform

from setuptools import Extension, setup

speedups = Extension("vial._speedups", ["src/vial/_speedups.c"], optional=True)
setup(ext_modules=[speedups] if platform.python_implementation() == "CPython" else [])
