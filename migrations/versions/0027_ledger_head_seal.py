"""ledger heads: a seal (HMAC under a key outside the database) over what each head says

Heads that already count entries stay unsealed until `flask ledger seal` (run once after
this migration, see docs/database-roles.md) seals those whose chain verifies.

Revision ID: 0027_ledger_head_seal
Revises: 0026_unit_feedback
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_ledger_head_seal'
down_revision = '0026_unit_feedback'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.drop_column('seal')
