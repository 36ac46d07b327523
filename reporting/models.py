"""The reporting app has no models: its views are SQL over the other apps' tables (views.sql).

This module exists because Django sends the migrate signals only to apps with a models module.
"""
