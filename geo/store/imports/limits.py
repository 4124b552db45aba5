"""What an import accepts at most: each limit named once, so a refusal can say which one was hit.

Read as ``limits.NAME`` at the moment of the check (tests lower them to reach the refusal cheaply).
"""

from __future__ import annotations

from decimal import Decimal

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_ABS_VALUE = Decimal(10) ** 15
