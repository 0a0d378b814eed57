"""Referrals to other practices, tracked until the consult note is back and the plan is adjusted."""
