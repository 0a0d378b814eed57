"""Other medications: drugs outside the packs, entered or imported, listed as not assessed by painpath."""
