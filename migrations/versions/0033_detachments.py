"""detachments (支队): a city's volunteer detachments, their members, and the signups
made through them (a side table of signup)

Revision ID: 0033_detachments
Revises: 0032_city_bodies
Create Date: 2026-12-04 23:17:59.464954

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_detachments'
down_revision = "0032_city_bodies"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('detachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('leader_member_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['area.id'], name=op.f('fk_detachment_city_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_detachment_created_by_id_account')),
    sa.ForeignKeyConstraint(['leader_member_id'], ['member.id'], name=op.f('fk_detachment_leader_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detachment'))
    )
    with op.batch_alter_table('detachment', schema=None) as batch_op:
        batch_op.create_index('uq_detachment_city_id_name', ['city_id', 'name'], unique=True)

    op.create_table('detachment_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detachment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['account.id'], name=op.f('fk_detachment_member_added_by_id_account')),
    sa.ForeignKeyConstraint(['detachment_id'], ['detachment.id'], name=op.f('fk_detachment_member_detachment_id_detachment')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_detachment_member_member_id_member')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['account.id'], name=op.f('fk_detachment_member_removed_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detachment_member'))
    )
    with op.batch_alter_table('detachment_member', schema=None) as batch_op:
        batch_op.create_index('ix_detachment_member_member_id', ['member_id'], unique=False)
        batch_op.create_index('uq_detachment_member_current', ['detachment_id', 'member_id'], unique=True, sqlite_where=sa.text('left_at IS NULL'), postgresql_where=sa.text('left_at IS NULL'))

    op.create_table('detachment_signup',
    sa.Column('signup_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('detachment_id', sa.Integer(), nullable=False),
    sa.Column('signed_up_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['detachment_id'], ['detachment.id'], name=op.f('fk_detachment_signup_detachment_id_detachment')),
    sa.ForeignKeyConstraint(['signed_up_by_id'], ['account.id'], name=op.f('fk_detachment_signup_signed_up_by_id_account')),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], name=op.f('fk_detachment_signup_signup_id_signup')),
    sa.PrimaryKeyConstraint('signup_id', name=op.f('pk_detachment_signup'))
    )
    with op.batch_alter_table('detachment_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_detachment_signup_detachment_id'), ['detachment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('detachment_signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_detachment_signup_detachment_id'))

    op.drop_table('detachment_signup')
    with op.batch_alter_table('detachment_member', schema=None) as batch_op:
        batch_op.drop_index('uq_detachment_member_current', sqlite_where=sa.text('left_at IS NULL'), postgresql_where=sa.text('left_at IS NULL'))
        batch_op.drop_index('ix_detachment_member_member_id')

    op.drop_table('detachment_member')
    with op.batch_alter_table('detachment', schema=None) as batch_op:
        batch_op.drop_index('uq_detachment_city_id_name')

    op.drop_table('detachment')
