"""version columns for optimistic locking; payment settings kept by the admin

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:52:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

VERSIONED = ('products', 'collections', 'pages', 'store_settings')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('store_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_publishable_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('stripe_secret_key_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('stripe_webhook_secret_encrypted', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('store_settings', schema=None) as batch_op:
        batch_op.drop_column('stripe_webhook_secret_encrypted')
        batch_op.drop_column('stripe_secret_key_encrypted')
        batch_op.drop_column('stripe_publishable_key')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
