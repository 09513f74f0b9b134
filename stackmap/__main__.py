"""`python -m stackmap`: the same command line as the `stackmap` script."""

from stackmap.cli import main

main()
