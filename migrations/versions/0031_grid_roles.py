"""grid roles (网格员, 网格助理员, 网格联络员): an index for a grid's members

The roles and the task visibility ``grid`` are strings (no database enum): no column
changes. Only the members placed in a grid, newest first, get their index.

Revision ID: 0031_grid_roles
Revises: 0030_wishes
Create Date: 2026-12-04 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_grid_roles'
down_revision = "0030_wishes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_in', schema=None) as batch_op:
        batch_op.create_index(
            'ix_report_in_grid_id_active',
            ['grid_id', 'id'],
            unique=False,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade():
    with op.batch_alter_table('report_in', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_report_in_grid_id_active',
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
