"""compliance: a member's records of a period from one index

(member_id, service_date) INCLUDE (status, credited_minutes) on PostgreSQL: compliance reads
each member's records of a period with an index-only scan (docs/compliance.md). SQLite has
no INCLUDE and gets the two-column index.

Revision ID: 0017_compliance
Revises: 0014_period_lock
Create Date: 2026-12-04 17:38:43.672747

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_compliance'
down_revision = '0014_period_lock'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.create_index(
            'ix_service_record_member_id_service_date',
            ['member_id', 'service_date'],
            unique=False,
            postgresql_include=['status', 'credited_minutes'],
        )


def downgrade():
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_index('ix_service_record_member_id_service_date')
