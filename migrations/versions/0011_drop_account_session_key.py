"""account no longer keeps WeChat's session_key (nothing reads it)

Revision ID: 0011_drop_account_session_key
Revises: 0010_shift_task_fields
Create Date: 2026-11-27 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_drop_account_session_key'
down_revision = '0010_shift_task_fields'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('session_key')


def downgrade():
    # The keys are gone: a downgraded database gets them again at each account's next login.
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.String(length=64), nullable=True))
