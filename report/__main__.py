"""Allow ``python -m report``."""

from report.cli import main

main()
