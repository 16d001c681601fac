"""Number types, chosen in one place.

Agent columns are float32 (trust, grievance...) to keep a community member under 64 bytes;
sums over agents and all recorded results are float64 so that totals over millions of rows
keep their precision.
"""

import numpy as np

REAL = np.float32  # per-agent continuous state (shares, scores in [0, 1])
ACC = np.float64  # sums, per-cell aggregates and recorded results
INDEX = np.int32  # cell, region and group indices of rows
FLAG = np.uint8  # booleans stored per agent
COUNT = np.int64  # offsets and counts
