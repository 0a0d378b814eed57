"""Clinical and payer knowledge as versioned, validated YAML packs.

    knowledge = load_knowledge(extra_dirs=[clinic_pack_dir])
    knowledge.payer("aetna_commercial").decision_clock.standard
"""

from painpath.knowledge.errors import PackError
from painpath.knowledge.loader import BUILTIN_PACKS_DIR, Knowledge, LoadedPack, load_knowledge

__all__ = ["BUILTIN_PACKS_DIR", "Knowledge", "LoadedPack", "PackError", "load_knowledge"]
