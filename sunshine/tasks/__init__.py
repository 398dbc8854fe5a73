"""Service tasks (服务项目/岗位/活动/微心愿), their shifts, and members' signups."""
