-- CreateIndex
CREATE UNIQUE INDEX `woc_projects_name_key` ON `woc_projects`(`name`);

-- CreateIndex
CREATE UNIQUE INDEX `woc_contact_messages_email_key` ON `woc_contact_messages`(`email`);

-- CreateIndex
CREATE UNIQUE INDEX `woc_adhoc_requests_userId_startedAt_key` ON `woc_adhoc_requests`(`userId`, `startedAt`);
