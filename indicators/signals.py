"""Signals other apps listen to, so that `indicators` never imports them.

`snapshot_published` is sent once a publication has committed (never for a publication that
rolled back, nor for publishing an already published snapshot), with `snapshot_id`. Receivers
must not raise: the ranking is already published when they run.
"""

from django.dispatch import Signal

snapshot_published = Signal()
