"""Writes of the payments app: payments and their notifications, the ledger, payouts."""
