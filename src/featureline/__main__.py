"""`python -m featureline` runs the CLI."""

from featureline.cli.app import main

main()
