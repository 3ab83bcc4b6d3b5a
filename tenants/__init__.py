"""One package per region: each a tenant plugin registered in the bangfu.tenants entry-point group."""
