"""Sharing: a clone's work with the central repository and its history.

Sending and receiving edits without losing anyone's (``sync``); who changed a field
and when (``history``); the coordinator's review (``review``); the fiscal year and the
yearly cycle's operations (``yearcycle``, ``cycleops``) and e-mail (``notify``); the
user's own settings (``settings``).  Talks to git only through :mod:`shinchoku.store`.
"""
