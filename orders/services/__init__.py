"""Writes of the orders app: cart, shipping set-up, checkout, the order life and its timers."""
