"""city bodies: a city's bodies (实践中心、实践所/站、部门、学雷锋岗), body_admin grants scoped to
a body, tasks owned by a body and visible to chosen streets (task_street), records carrying it

Revision ID: 0032_city_bodies
Revises: 0031_grid_roles
Create Date: 2026-12-04 23:19:40.975086

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_city_bodies'
down_revision = "0031_grid_roles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('city_body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('practice_centre', 'practice_station', 'department', 'post', name='bodykind', native_enum=False, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['area.id'], name=op.f('fk_city_body_city_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_city_body_created_by_id_account')),
    sa.ForeignKeyConstraint(['parent_id'], ['city_body.id'], name=op.f('fk_city_body_parent_id_city_body')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_body'))
    )
    with op.batch_alter_table('city_body', schema=None) as batch_op:
        batch_op.create_index('uq_city_body_city_id_name', ['city_id', 'name'], unique=True)

    op.create_table('task_street',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('street_path', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['area.id'], name=op.f('fk_task_street_street_id_area')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_street_task_id_task')),
    sa.PrimaryKeyConstraint('task_id', 'street_id', name=op.f('pk_task_street'))
    )
    with op.batch_alter_table('task_street', schema=None) as batch_op:
        batch_op.create_index('ix_task_street_street_path_task_id', ['street_path', 'task_id'], unique=False)

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_role_grant_body_id'), ['body_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_body_id_city_body'), 'city_body', ['body_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_role_grant_one_scope_body'),
            'body_id IS NULL OR (area_id IS NULL AND unit_id IS NULL)',
        )

    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_record_body_id'), ['body_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_service_record_body_id_city_body'), 'city_body', ['body_id'], ['id'])

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_body_id'), ['body_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_task_body_id_city_body'), 'city_body', ['body_id'], ['id'])



def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_task_body_id_city_body'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_task_body_id'))
        batch_op.drop_column('body_id')

    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_service_record_body_id_city_body'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_service_record_body_id'))
        batch_op.drop_column('body_id')

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_one_scope_body'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_role_grant_body_id_city_body'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_role_grant_body_id'))
        batch_op.drop_column('body_id')

    with op.batch_alter_table('task_street', schema=None) as batch_op:
        batch_op.drop_index('ix_task_street_street_path_task_id')

    op.drop_table('task_street')
    with op.batch_alter_table('city_body', schema=None) as batch_op:
        batch_op.drop_index('uq_city_body_city_id_name')

    op.drop_table('city_body')
