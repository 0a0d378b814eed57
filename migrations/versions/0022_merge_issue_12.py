"""Merge the branches of issue 12 (close the loop): coverage subscribers, procedure detail, visit lifecycle,
PT extension citations, NPIs.

Revision ID: 0022_merge_issue_12
"""

revision = "0022_merge_issue_12"
down_revision = ("0021_auth_npi_fields", "0021_cover_coverage_subscriber", "0021_facts_procedure_detail",
                 "0021_meds_pt_extension_cite", "0021_visits_lifecycle")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
