"""attendance: code_holder, the accounts handed each shift's rotating check-in code

A member who held the code could punch themself in and out alone, so their record is
flagged ``code_holder`` and never confirmed automatically (separation of duties).

Revision ID: 0022_code_holder
Revises: 0021_record_member_index
Create Date: 2026-12-04 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_code_holder'
down_revision = '0021_record_member_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('code_holder',
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('first_shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_code_holder_account_id_account')),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_code_holder_shift_id_shift')),
    sa.PrimaryKeyConstraint('shift_id', 'account_id', name=op.f('pk_code_holder'))
    )


def downgrade():
    op.drop_table('code_holder')
