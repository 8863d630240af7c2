-- CreateIndex
CREATE INDEX `woc_time_entries_organizationId_startedAt_idx` ON `woc_time_entries`(`organizationId`, `startedAt`);

-- CreateIndex
CREATE INDEX `woc_time_entries_userId_projectId_startedAt_idx` ON `woc_time_entries`(`userId`, `projectId`, `startedAt`);

-- CreateIndex
CREATE UNIQUE INDEX `woc_projects_organizationId_name_key` ON `woc_projects`(`organizationId`, `name`);

-- DropIndex
DROP INDEX `woc_time_entries_organizationId_startedAt_idx` ON `woc_time_entries`;
