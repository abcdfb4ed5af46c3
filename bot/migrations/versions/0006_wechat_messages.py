"""wechat_messages: WeChat messages lately answered, so that a retry of one runs no second turn (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wechat_messages',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('wechat_messages') as batch:
        batch.create_index(batch.f('ix_wechat_messages_received_at'), ['received_at'], unique=False)
        batch.create_index(batch.f('ix_wechat_messages_sender_id'), ['sender_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wechat_messages') as batch:
        batch.drop_index(batch.f('ix_wechat_messages_sender_id'))
        batch.drop_index(batch.f('ix_wechat_messages_received_at'))
    op.drop_table('wechat_messages')
