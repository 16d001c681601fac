"""``python -m peacesim``: see :mod:`peacesim.cli`."""

import sys

from peacesim.cli import main

sys.exit(main())
