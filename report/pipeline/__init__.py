"""The brief's commands as plain functions, one module per command; ``report/cli.py`` is thin glue over them.

Each command assembles its inputs and calls the layers below, in the one direction data flows:
sources -> store -> figures -> charts -> render -> archive -> deliver. ``build`` reads as three steps: assemble
``EditionInputs``, ``make_edition`` (in memory), commit through ``EditionWriter``.
"""
