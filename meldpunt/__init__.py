"""The project wiring: URLs, navigation, the shipped protocol profiles that configure every app, and the demo
and seed commands. It imports the domain apps and the core; nothing imports it (see README, "Layers")."""
