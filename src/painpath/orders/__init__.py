"""Orders and studies: imaging known for an episode, ordered here or done outside."""
