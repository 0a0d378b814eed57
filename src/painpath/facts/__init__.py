"""Episode facts: the plain data the pure rules read (`vocabulary`) and the one batch reader that builds
them from the readers the slices register (`gather`). Below the slices, above knowledge and core."""
