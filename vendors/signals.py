"""Signals the inventory sends to the apps above it (imports flow one way)."""

from django.dispatch import Signal

# Sent once after many vendors of one practice were written in bulk (the import), in the
# writing transaction, with ``organization`` and ``vendors`` (saved instances): what each
# vendor's ``post_save`` would have triggered (BAA status, review schedule), done in bulk.
vendors_saved = Signal()
