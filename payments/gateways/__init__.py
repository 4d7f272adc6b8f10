"""Payment gateways behind one interface (payments.gateways.base.Gateway)."""
