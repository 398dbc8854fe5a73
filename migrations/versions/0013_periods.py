"""periods (a city's year, halves, quarters) and their requirements, every version a row

Revision ID: 0013_periods
Revises: 0012_ledger_digests
Create Date: 2026-12-03 19:34:45.888131

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_periods'
down_revision = '0012_ledger_digests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('year', 'half', 'quarter', name='periodkind', native_enum=False, length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_period_ends_after_start')),
    sa.ForeignKeyConstraint(['city_id'], ['area.id'], name=op.f('fk_period_city_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_period_created_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period'))
    )
    with op.batch_alter_table('period', schema=None) as batch_op:
        batch_op.create_index('uq_period_city_id_kind_starts_on', ['city_id', 'kind', 'starts_on'], unique=True)

    op.create_table('requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('min_services', sa.Integer(), nullable=True),
    sa.Column('min_minutes', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('min_minutes IS NULL OR min_minutes >= 0', name=op.f('ck_requirement_minutes_not_negative')),
    sa.CheckConstraint('min_services IS NOT NULL OR min_minutes IS NOT NULL', name=op.f('ck_requirement_something_required')),
    sa.CheckConstraint('min_services IS NULL OR min_services >= 0', name=op.f('ck_requirement_services_not_negative')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_requirement_area_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_requirement_created_by_id_account')),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_requirement_period_id_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement'))
    )
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.create_index('ix_requirement_period_id_area_id_id', ['period_id', 'area_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.drop_index('ix_requirement_period_id_area_id_id')

    op.drop_table('requirement')
    with op.batch_alter_table('period', schema=None) as batch_op:
        batch_op.drop_index('uq_period_city_id_kind_starts_on')

    op.drop_table('period')
