"""``python -m pulumi_nuon``: the ``pulumi-nuon`` command line."""

import sys

from pulumi_nuon.cli import main

sys.exit(main())
