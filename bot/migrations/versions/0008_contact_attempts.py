"""contact attempts: each attempt to reach a referred volunteer, numbered per referral, with its channel, time,
outcome and note; and the coded reason of a status (which criterion made a referral not eligible, why a
volunteer declined or withdrew), on the referral and on each change (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('logged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id', 'number')
    )
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('status_reason', sa.String(length=64), nullable=True))
    with op.batch_alter_table('referral_changes') as batch:
        batch.add_column(sa.Column('reason', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral_changes') as batch:
        batch.drop_column('reason')
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('status_reason')
    op.drop_table('contact_attempts')
