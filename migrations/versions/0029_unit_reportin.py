"""unit report-ins (单位报到): agreements, resources, projects, yearly reports

Revision ID: 0029_unit_reportin
Revises: 0028_campaigns
Create Date: 2026-12-04 23:18:09.420551

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_unit_reportin'
down_revision = '0028_campaigns'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_yearly_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('report_ins', sa.Integer(), nullable=False),
    sa.Column('projects_done', sa.Integer(), nullable=False),
    sa.Column('members_sent', sa.Integer(), nullable=False),
    sa.Column('service_minutes', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['account.id'], name=op.f('fk_unit_yearly_report_submitted_by_id_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['work_unit.id'], name=op.f('fk_unit_yearly_report_unit_id_work_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_yearly_report')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_unit_yearly_report_unit_id_year'))
    )
    op.create_table('unit_report_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('party_org_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('paired', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'rejected', 'withdrawn', 'ended', name='unitreportinstatus', native_enum=False, length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=200), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['area.id'], name=op.f('fk_unit_report_in_community_id_area')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['account.id'], name=op.f('fk_unit_report_in_decided_by_id_account')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['account.id'], name=op.f('fk_unit_report_in_ended_by_id_account')),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_org.id'], name=op.f('fk_unit_report_in_party_org_id_party_org')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['account.id'], name=op.f('fk_unit_report_in_requested_by_id_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['work_unit.id'], name=op.f('fk_unit_report_in_unit_id_work_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_report_in'))
    )
    with op.batch_alter_table('unit_report_in', schema=None) as batch_op:
        batch_op.create_index('ix_unit_report_in_area_path', ['area_path'], unique=False, postgresql_ops={'area_path': 'varchar_pattern_ops'})
        batch_op.create_index(batch_op.f('ix_unit_report_in_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_report_in_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_unit_report_in_live', ['unit_id', 'community_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'active')"), postgresql_where=sa.text("status IN ('pending', 'active')"))

    op.create_table('cobuilding_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_in_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_cobuilding_agreement_ends_after_start')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['account.id'], name=op.f('fk_cobuilding_agreement_confirmed_by_id_account')),
    sa.ForeignKeyConstraint(['report_in_id'], ['unit_report_in.id'], name=op.f('fk_cobuilding_agreement_report_in_id_unit_report_in')),
    sa.ForeignKeyConstraint(['written_by_id'], ['account.id'], name=op.f('fk_cobuilding_agreement_written_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cobuilding_agreement')),
    sa.UniqueConstraint('report_in_id', name=op.f('uq_cobuilding_agreement_report_in_id'))
    )
    op.create_table('unit_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_in_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('planned_from', sa.Date(), nullable=False),
    sa.Column('planned_to', sa.Date(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', 'cancelled', name='projectstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('planned_to >= planned_from', name=op.f('ck_unit_project_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_unit_project_created_by_id_account')),
    sa.ForeignKeyConstraint(['done_by_id'], ['account.id'], name=op.f('fk_unit_project_done_by_id_account')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_unit_project_need_id_need')),
    sa.ForeignKeyConstraint(['report_in_id'], ['unit_report_in.id'], name=op.f('fk_unit_project_report_in_id_unit_report_in')),
    sa.ForeignKeyConstraint(['unit_id'], ['work_unit.id'], name=op.f('fk_unit_project_unit_id_work_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_project'))
    )
    with op.batch_alter_table('unit_project', schema=None) as batch_op:
        batch_op.create_index('ix_unit_project_area_path', ['area_path'], unique=False, postgresql_ops={'area_path': 'varchar_pattern_ops'})
        batch_op.create_index(batch_op.f('ix_unit_project_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_project_report_in_id'), ['report_in_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_project_unit_id'), ['unit_id'], unique=False)

    op.create_table('cobuilding_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('people', 'skills', 'venues', 'funds', 'vehicles', name='resourcekind', native_enum=False, length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=10), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_cobuilding_resource_quantity_not_negative')),
    sa.ForeignKeyConstraint(['agreement_id'], ['cobuilding_agreement.id'], name=op.f('fk_cobuilding_resource_agreement_id_cobuilding_agreement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cobuilding_resource'))
    )
    with op.batch_alter_table('cobuilding_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cobuilding_resource_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('unit_project_member',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_unit_project_member_member_id_member')),
    sa.ForeignKeyConstraint(['project_id'], ['unit_project.id'], name=op.f('fk_unit_project_member_project_id_unit_project')),
    sa.PrimaryKeyConstraint('project_id', 'member_id', name=op.f('pk_unit_project_member'))
    )
    with op.batch_alter_table('unit_project_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_project_member_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('unit_project_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_project_member_member_id'))

    op.drop_table('unit_project_member')
    with op.batch_alter_table('cobuilding_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cobuilding_resource_agreement_id'))

    op.drop_table('cobuilding_resource')
    with op.batch_alter_table('unit_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_project_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_project_report_in_id'))
        batch_op.drop_index(batch_op.f('ix_unit_project_need_id'))
        batch_op.drop_index('ix_unit_project_area_path', postgresql_ops={'area_path': 'varchar_pattern_ops'})

    op.drop_table('unit_project')
    op.drop_table('cobuilding_agreement')
    with op.batch_alter_table('unit_report_in', schema=None) as batch_op:
        batch_op.drop_index('uq_unit_report_in_live', sqlite_where=sa.text("status IN ('pending', 'active')"), postgresql_where=sa.text("status IN ('pending', 'active')"))
        batch_op.drop_index(batch_op.f('ix_unit_report_in_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_report_in_community_id'))
        batch_op.drop_index('ix_unit_report_in_area_path', postgresql_ops={'area_path': 'varchar_pattern_ops'})

    op.drop_table('unit_report_in')
    op.drop_table('unit_yearly_report')
