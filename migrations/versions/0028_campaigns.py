"""campaigns (专项活动标签): a city's campaigns, and the tasks tagged with them

Revision ID: 0028_campaigns
Revises: 0027_ledger_head_seal
Create Date: 2026-12-04 21:54:49.445341

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_campaigns'
down_revision = '0027_ledger_head_seal'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['area.id'], name=op.f('fk_campaign_city_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_campaign_created_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index('uq_campaign_city_id_name', ['city_id', 'name'], unique=True)

    op.create_table('task_campaign',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_task_campaign_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_campaign_task_id_task')),
    sa.PrimaryKeyConstraint('task_id', 'campaign_id', name=op.f('pk_task_campaign'))
    )
    with op.batch_alter_table('task_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_campaign_campaign_id'), ['campaign_id'], unique=False)



def downgrade():
    with op.batch_alter_table('task_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_campaign_campaign_id'))

    op.drop_table('task_campaign')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index('uq_campaign_city_id_name')

    op.drop_table('campaign')
