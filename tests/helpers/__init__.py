"""Helpers the tests share that are not fixtures (those are in tests/conftest.py).

Test modules import them as ``from helpers.scripts import run_script``: pytest puts
``tests/`` on ``sys.path``. No test module imports another test module.
"""
