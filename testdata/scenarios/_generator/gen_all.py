#!/usr/bin/env python3
"""Regenerate every scenario (deterministic: fixed seeds) and validate them."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for mod in ("s_oom", "s_php", "s_fpm", "s_apache", "s_misc", "s_extra"):
    subprocess.run([sys.executable, os.path.join(HERE, mod + ".py")], check=True, cwd=HERE)
sys.exit(subprocess.run([sys.executable, os.path.join(HERE, "validate.py")]).returncode)
