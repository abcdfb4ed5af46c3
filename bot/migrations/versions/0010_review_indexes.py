"""review indexes: the inbox as a work queue and the screenings page, fast with 10,000 rows (issue 17)

ix_referrals_queue holds every column the inbox filters, searches, counts and sorts by, so that it reads the
index and not the rows (a referral's answers fill about 10 KB); ix_referral_changes_activity gives a
referral's latest change; the screenings page sorts by start and counts by verdict.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_referrals_queue', 'referrals',
                    ['status', 'trial_id', 'created_at', 'verdict', 'language', 'sender_id', 'reference',
                     'contact_name', 'contact_email', 'contact_phone'], unique=False)
    op.create_index('ix_referral_changes_activity', 'referral_changes', ['referral_id', 'at'], unique=False)
    op.create_index('ix_screenings_started_at', 'screenings', ['started_at'], unique=False)
    op.create_index('ix_screenings_verdict', 'screenings', ['verdict', 'trial_id', 'updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_screenings_verdict', table_name='screenings')
    op.drop_index('ix_screenings_started_at', table_name='screenings')
    op.drop_index('ix_referral_changes_activity', table_name='referral_changes')
    op.drop_index('ix_referrals_queue', table_name='referrals')
