"""What planning tells the contexts downstream of it, without importing them (ARCHITECTURE.md).

Both are sent inside the transaction that changes the mission, so a receiver's writes (appointments
cancelled, messages queued) commit or roll back with it.
"""

from django.dispatch import Signal

# sender=Mission, mission=<Mission>: a confirmed mission is cancelled (its slots disappear).
mission_cancelled = Signal()
# sender=Mission, mission=<Mission>: a mission is confirmed (its slots open).
mission_confirmed = Signal()
# sender=None: `demo --reset` is about to delete the demonstration volunteers, lieux and missions. Receivers in
# the contexts above delete their own demonstration data first (foreign keys protect missions), in the same
# transaction, so a reset is all or nothing.
demo_reset = Signal()
