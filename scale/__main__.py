"""``python -m scale``: see :mod:`scale.orchestrate`."""

import sys

from scale.orchestrate import main

sys.exit(main())
