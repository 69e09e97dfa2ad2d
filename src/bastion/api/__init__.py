"""HTTP API of Bastion (the service app is assembled by the API capability)."""
