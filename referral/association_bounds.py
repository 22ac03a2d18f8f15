"""How long a device may stay attached to an encounter: the bounds and default of the setting
``device_associations.max_duration_s``.

Apart from ``referral.associations`` (which needs sqlite-utils) so that ``triage.settings`` can
name them without importing the referral log's storage: every ``triage`` command loads the
settings, most never open the log.
"""

from datetime import timedelta

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=7)
DEFAULT_DURATION = timedelta(hours=12)
