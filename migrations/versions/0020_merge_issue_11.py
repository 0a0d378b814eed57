"""Merge the branches of issue 11 (security and robustness): co-signer, audit TRUNCATE trigger,
fact-id task keys and target reasons, sign-in throttling.

Revision ID: 0020_merge_issue_11
"""

revision = "0020_merge_issue_11"
down_revision = ("0019_wt_access_cosigner", "0019_wt_audit_truncate", "0019_wt_engine_fact_id_keys", "0019_wt_hardening_signin_fail")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
