"""SMS opt-outs: numbers that sent a carrier keyword (STOP, UNSUBSCRIBE, 退订, ...), and which queued replies
answer a keyword (issue 16)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_opt_outs',
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('keyword', sa.String(length=16), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sender_id')
    )
    with op.batch_alter_table('callback_replies') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), server_default='turn', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('callback_replies') as batch:
        batch.drop_column('kind')
    op.drop_table('sms_opt_outs')
