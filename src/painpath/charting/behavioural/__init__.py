"""Behavioural health: scores that cross a pack threshold owe a discussion of a pain-psychology referral or a
CBT-based programme; the offer and the patient's answer are facts."""
