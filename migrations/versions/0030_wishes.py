"""wishes (微心愿 / 诉求): residents' needs submitted, answered, rated; their photos

Revision ID: 0030_wishes
Revises: 0029_unit_reportin
Create Date: 2026-12-04 23:17:44.671823

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030_wishes'
down_revision = "0029_unit_reportin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('need_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_photo_need_id_need'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_photo'))
    )
    with op.batch_alter_table('need_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_photo_need_id'), ['need_id'], unique=False)

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.Enum('wish', 'request', name='needkind', native_enum=False, length=16), server_default='wish', nullable=False))
        batch_op.add_column(sa.Column('resident_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completion_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Enum('satisfied', 'fairly_satisfied', 'dissatisfied', name='needrating', native_enum=False), nullable=True))
        batch_op.add_column(sa.Column('rating_comment', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_need_created_at_community_id', ['created_at', 'community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_resident_id'), ['resident_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_need_grid_id_area'), 'area', ['grid_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_need_resident_id_account'), 'account', ['resident_id'], ['id'])



def downgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_need_resident_id_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_need_grid_id_area'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_need_resident_id'))
        batch_op.drop_index('ix_need_created_at_community_id')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('rating_comment')
        batch_op.drop_column('rating')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('completion_due_at')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer_due_at')
        batch_op.drop_column('resident_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('grid_id')

    with op.batch_alter_table('need_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_photo_need_id'))

    op.drop_table('need_photo')
