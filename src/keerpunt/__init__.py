"""Keerpunt: anonymous, confidential help chat for youths caught in crime."""

__version__ = "0.1.0"
