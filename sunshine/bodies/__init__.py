"""City-level bodies (实践中心、实践所/站、学雷锋岗、部门) that own tasks."""
