"""screening trials: the site's trials screened together in one conversation, with each one's verdict (issue 18)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('screenings') as batch:
        batch.add_column(sa.Column('trials', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('screenings') as batch:
        batch.drop_column('trials')
