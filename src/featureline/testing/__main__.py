"""Run the fake Messages API for a demo: ``python -m featureline.testing``."""

from featureline.testing.fake_anthropic import main

main()
