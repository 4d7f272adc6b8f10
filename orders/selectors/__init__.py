"""Reads of the orders app for its pages."""
