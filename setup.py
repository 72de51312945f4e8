"""The optional C extension; everything else about the package is in pyproject.toml.

``vial._speedups`` holds compiled twins of a few hot paths (its source,
src/vial/_speedups.c, lists them). Where it cannot be built (no compiler,
another Python implementation), the install goes on and vial uses their
pure-Python versions.
"""

import platform

from setuptools import Extension, setup

speedups = Extension("vial._speedups", ["src/vial/_speedups.c"], optional=True)
setup(ext_modules=[speedups] if platform.python_implementation() == "CPython" else [])
