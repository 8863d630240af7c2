-- AlterTable
ALTER TABLE `woc_users` MODIFY `locale` VARCHAR(16) NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX `woc_projects_code_key` ON `woc_projects`(`code`);

-- AlterTable
ALTER TABLE `woc_projects` MODIFY `code` VARCHAR(4) NOT NULL DEFAULT 'gen';
