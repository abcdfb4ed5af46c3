"""referral language: the language the volunteer was screened in (issue 14)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('language')
