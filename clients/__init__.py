"""Client applications of the ruqi HTTP API."""
