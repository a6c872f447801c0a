"""The Python front end: data-source functions and dynamic resources, for Python Pulumi programs.

Built on :mod:`pulumi_nuon.core`; ``providers`` holds what Pulumi pickles into state (a stable module path).
"""
