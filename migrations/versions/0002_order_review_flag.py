"""orders: needs_review flag and reason for payments that do not match or are disputed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('review_reason')
        batch_op.drop_column('needs_review')
