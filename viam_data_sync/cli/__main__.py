"""``python -m viam_data_sync.cli``: the same as the ``viam-data-sync`` command."""

import sys

from viam_data_sync.cli._main import main

sys.exit(main())
