"""``python -m misp_attack_pack`` runs the command-line interface."""

import sys

from misp_attack_pack.cli import main

sys.exit(main())
