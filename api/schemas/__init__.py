"""msgspec Structs for request and response bodies (Create / Update / Read naming)."""
