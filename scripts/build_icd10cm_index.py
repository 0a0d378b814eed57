"""Write painpath's ICD-10-CM index from the simple-icd-10-cm package's CMS files.

    .venv/bin/python scripts/build_icd10cm_index.py

Every chapter, block, category and code of the release the package carries, one line each:
`code<TAB>1 if billable (a leaf) else 0<TAB>description`, gzip-compressed, to
src/painpath/knowledge/data/icd10cm-index.tsv.gz. Run it when the package moves to a new release; the test
tests/knowledge/test_icd10cm_index.py fails until the index and the package agree again.

Why an index: the package parses CMS's 10 MB tabular XML on import, some 1.5 s of CPU in every process
(each web and worker process, each command), for the four questions painpath asks of it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import simple_icd_10_cm as icd

INDEX = Path(__file__).resolve().parents[1] / "src" / "painpath" / "knowledge" / "data" / "icd10cm-index.tsv.gz"


def index_lines() -> list[str]:
    return [f"{code}\t{int(icd.is_leaf(code))}\t{icd.get_description(code)}" for code in icd.get_all_codes(with_dots=True)]


def main() -> None:
    # mtime=0: the same release always gives the same bytes, so git sees no change when nothing changed.
    INDEX.write_bytes(gzip.compress("\n".join(index_lines()).encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {INDEX}")


if __name__ == "__main__":
    main()
