"""Date formats for English (``FORMAT_MODULE_PATH``): ISO dates, and times always with their
zone, so a time in the Django admin (which shows UTC) is never read as the practice's local
time."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i T"
