"""staff roles: coordinator or admin, and temporary passwords that must be changed at the next login (issue 17)

Users who exist when this runs were added by the operator with `python -m bot users add`: they become admins.
Users added afterwards are coordinators unless made admins.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users') as batch:
        batch.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='coordinator'))
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.execute("UPDATE staff_users SET role = 'admin'")  # the operator's users, from before roles


def downgrade() -> None:
    with op.batch_alter_table('staff_users') as batch:
        batch.drop_column('must_change_password')
        batch.drop_column('role')
