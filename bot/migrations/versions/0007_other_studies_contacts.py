"""other studies contacts: a ruled-out volunteer's consent that the site may contact them about its other
studies, with the contact details given for it (issue 16)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('other_studies_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('trial_id', sa.String(length=64), nullable=False),
    sa.Column('site', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('contact_preferred_way', sa.String(length=16), nullable=False),
    sa.Column('contact_preferred_time', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sender_id')
    )


def downgrade() -> None:
    op.drop_table('other_studies_contacts')
